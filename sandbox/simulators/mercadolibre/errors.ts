/**
 * Mercado Libre's error shapes. The API answers `{message, error, status, cause: [...]}`; item validations add
 * `department`, `cause_id` and `references` to each cause; OAuth adds `error_description`; the edge proxy in front
 * of the API answers a throttle with the plain text `local_rate_limited`.
 */
import type { z } from 'zod';
import { SandboxError } from '../../world';

export interface MlCause {
  code: string;
  message: string;
  type: 'error' | 'warning';
  department?: string;
  cause_id?: number;
  references?: string[];
}

/** What a route answers: JSON (object), plain text (string) or nothing (204). */
export interface MlReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A failure a handler throws; the route wrapper renders it and counts the call. */
export class MlError extends Error {
  constructor(readonly reply: MlReply) {
    super(typeof reply.body === 'string' ? reply.body : `HTTP ${reply.status}`);
  }
}

export function mlError(status: number, error: string, message: string, cause: MlCause[] = []): MlError {
  return new MlError({ status, body: { message, error, status, cause } });
}

export const cause = (code: string, message: string): MlCause => ({ code, message, type: 'error' });

/** Item validations, as `PUT /items` answers them. */
export function validationError(code: string, message: string, reference: string): MlError {
  return mlError(400, 'validation_error', 'Validation error', [
    { department: 'items', cause_id: 363, type: 'error', code, references: [reference], message },
  ]);
}

export const unauthorized = (): MlError => mlError(401, 'unauthorized', 'invalid access token');
export const forbidden = (message: string): MlError => mlError(403, 'forbidden', message);
export const badRequest = (message: string, causes: MlCause[] = []): MlError =>
  mlError(400, 'bad_request', message, causes);
export const itemNotFound = (id: string): MlError =>
  mlError(404, 'not_found', `Item with id ${id} not found`);

/** The API's own throttle (the user-products resource limit). */
export const tooManyRequests = (): MlError => mlError(429, 'too_many_requests', 'Too Many Requests');

/** The edge proxy's throttle: a bare text body, before the request ever reaches the API. */
export const edgeRateLimited = (): MlError =>
  new MlError({ status: 429, body: 'local_rate_limited', headers: { 'content-type': 'text/plain' } });

/** OAuth errors carry `error_description` next to the usual fields. */
export function oauthError(status: number, error: string, description: string): MlError {
  return new MlError({
    status,
    body: { message: description, error, error_description: description, status, cause: [] },
  });
}

/** The bodies of Mercado Libre's generic statuses (developers.mercadolibre.com "Errores"). */
const generic: Record<number, [string, string]> = {
  400: ['bad_request', 'Bad Request'],
  401: ['unauthorized', 'invalid access token'],
  403: ['forbidden', 'forbidden'],
  404: ['not_found', 'Resource not found'],
  409: ['conflict', 'Conflict'],
  422: ['unprocessable_entity', 'Unprocessable Entity'],
  429: ['too_many_requests', 'Too Many Requests'],
  500: ['internal_server_error', 'Internal Server Error'],
  502: ['bad_gateway', 'Bad Gateway'],
  503: ['service_not_available', 'Service not available'],
  504: ['gateway_timeout', 'Gateway Timeout'],
};

/** An injected fault or an unexpected status, in the vendor's shape. */
export function statusError(status: number, message?: string): MlError {
  const [error, text] = generic[status] ??
    (status >= 500 ? generic[500] : generic[400]) ?? ['error', 'Error'];
  return mlError(status, error, message ?? text);
}

/** Anything a handler threw, as a reply: our own errors as they are, world refusals by status, the rest as 500. */
export function toReply(e: unknown): MlReply {
  if (e instanceof MlError) return e.reply;
  if (e instanceof SandboxError) return statusError(e.status, e.message).reply;
  return statusError(500).reply;
}

/** zod issues as Mercado Libre causes (`body.invalid_fields`-style: one cause per bad field). */
export function issuesToCauses(issues: z.ZodError['issues'], prefix: string): MlCause[] {
  return issues.map((i) => cause(`${prefix}.${i.path.map(String).join('.') || 'body'}.invalid`, i.message));
}
