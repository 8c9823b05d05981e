/**
 * NetSuite REST error bodies ("Error Handling in REST Web Services"): an RFC 9457-style problem object with
 * NetSuite's `o:errorDetails` array. Clients read `o:errorDetails[0].detail` (netsuite-rest-api-client does) and
 * `o:errorCode`, so both are reproduced exactly for the codes the connector must tell apart.
 */
import { randomBytes } from 'node:crypto';

export interface ErrorExtra {
  /** JSON path of the offending body field, e.g. `inventory.items[0].item`. */
  errorPath?: string;
  /** The offending query parameter, e.g. `q` for a SuiteQL error. */
  errorQueryParam?: string;
  /** The offending request header, e.g. `Prefer`. */
  errorHeader?: string;
}

/** Every non-2xx answer of the simulator is one of these; the pipeline renders it. */
export class NsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: ErrorExtra = {},
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

const TYPES: Record<number, string> = {
  400: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1',
  401: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2',
  403: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4',
  404: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5',
  405: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6',
  409: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.10',
  429: 'https://www.rfc-editor.org/rfc/rfc6585.html#section-4',
  500: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1',
  502: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.3',
  503: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4',
  504: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.5',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const ERROR_CONTENT_TYPE = 'application/vnd.oracle.resource+json; type=error';

export function errorBody(e: NsError): Record<string, unknown> {
  const detail: Record<string, string> = { detail: e.detail };
  if (e.extra.errorPath !== undefined) detail['o:errorPath'] = e.extra.errorPath;
  if (e.extra.errorQueryParam !== undefined) detail['o:errorQueryParam'] = e.extra.errorQueryParam;
  if (e.extra.errorHeader !== undefined) detail['o:errorHeader'] = e.extra.errorHeader;
  detail['o:errorCode'] = e.code;
  return {
    type: TYPES[e.status] ?? (e.status >= 500 ? TYPES[500] : TYPES[400]),
    title: TITLES[e.status] ?? (e.status >= 500 ? 'Internal Server Error' : 'Bad Request'),
    status: e.status,
    'o:errorDetails': [detail],
  };
}

export const INVALID_LOGIN_DETAIL =
  'Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.';

/** Every authentication failure looks the same on the wire, whatever the cause (NetSuite never says which). */
export const invalidLogin = (): NsError => new NsError(401, 'INVALID_LOGIN', INVALID_LOGIN_DETAIL);

/** The `WWW-Authenticate` header NetSuite sends with a 401 on a TBA request. */
export const wwwAuthenticate = (realm: string): string =>
  `OAuth realm="${realm}", error="token_rejected", error_description="Invalid login attempt."`;

export const concurrencyExceeded = (): NsError =>
  new NsError(429, 'CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded. Request blocked.');

export const nonexistentId = (): NsError =>
  new NsError(
    404,
    'NONEXISTENT_ID',
    'The record instance does not exist. Provide a valid record instance ID.',
  );

/** Business validation: REST prefixes the record layer's message with "Error while accessing a resource.". */
export const userError = (message: string, errorPath?: string): NsError =>
  new NsError(
    400,
    'USER_ERROR',
    `Error while accessing a resource. ${message}`,
    errorPath === undefined ? {} : { errorPath },
  );

export const invalidFieldValue = (value: string, field: string, errorPath: string): NsError =>
  userError(`You have entered an Invalid Field Value ${value} for the following field: ${field}`, errorPath);

/** SuiteQL parse/plan failures: NetSuite wraps the engine's message and points at the `q` body field. */
export const invalidQuery = (message: string): NsError =>
  new NsError(
    400,
    'INVALID_PARAMETER',
    `Invalid search query. Detailed unprocessed description follows. ${message}`,
    { errorQueryParam: 'q' },
  );

export const unexpectedError = (status = 500): NsError =>
  new NsError(
    status,
    'UNEXPECTED_ERROR',
    `An unexpected error occurred. Error ID: ${randomBytes(9).toString('base64url').toLowerCase()}`,
  );

/** The vendor body for a failure injected by the sandbox's fault gate (`errorRate`, `status`). */
export function injectedError(status: number): NsError {
  switch (status) {
    case 401:
      return invalidLogin();
    case 403:
      return new NsError(
        403,
        'INSUFFICIENT_PERMISSION',
        'Permission Violation: You need a higher level of permission to access this page. Please contact your account administrator.',
      );
    case 404:
      return nonexistentId();
    case 429:
      return concurrencyExceeded();
    default:
      return status >= 500 ? unexpectedError(status) : userError('The request could not be processed.');
  }
}
