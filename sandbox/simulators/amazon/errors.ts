/**
 * The SP-API error shape, `{"errors":[{"code","message","details"}]}`, which every SP-API operation uses for 4xx/5xx
 * (the FBA inventory and Orders models wrap it in their response object, which has the same top-level `errors`).
 * Handlers throw `SpError`; the pipeline renders it, so no handler can answer an error in another shape.
 */

export interface SpErrorBody {
  errors: { code: string; message: string; details: string }[];
}

export class SpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details = '',
  ) {
    super(message);
  }

  body(): SpErrorBody {
    return { errors: [{ code: this.code, message: this.message, details: this.details }] };
  }
}

/** Texts seen on the wire (apis.md 4.3; real 403 bodies quoted in amzn/selling-partner-api-models issues). */
export const ACCESS_DENIED = 'Access to requested resource is denied.';
export const TOKEN_INVALID = 'The access token you provided is revoked, malformed or invalid.';
export const TOKEN_EXPIRED = 'The access token you provided has expired.';
export const QUOTA_EXCEEDED = 'You exceeded your quota for the requested resource.';

export const badInput = (message: string, details = ''): SpError =>
  new SpError(400, 'InvalidInput', message, details);
export const notFound = (message: string): SpError => new SpError(404, 'NotFound', message);
export const unauthorized = (details = ''): SpError =>
  new SpError(403, 'Unauthorized', ACCESS_DENIED, details);
export const quotaExceeded = (): SpError => new SpError(429, 'QuotaExceeded', QUOTA_EXCEEDED);
export const internalFailure = (): SpError =>
  new SpError(500, 'InternalFailure', 'We encountered an internal error. Please try again.');

/** An injected fault (`world.setFaults`) rendered as the error SP-API sends with that status. */
export function faultError(status: number): SpError {
  if (status === 400) return badInput('Invalid Input');
  if (status === 403) return unauthorized();
  if (status === 404) return notFound('Resource not found.');
  if (status === 429) return quotaExceeded();
  // apis.md 4.3: 500 and 503 both carry InternalFailure.
  if (status >= 500)
    return new SpError(status, 'InternalFailure', 'We encountered an internal error. Please try again.');
  return new SpError(status, 'InvalidInput', 'Invalid Input');
}
