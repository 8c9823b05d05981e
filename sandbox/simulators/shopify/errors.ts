/**
 * Non-200 answers of the Admin API, with the bodies shopify.dev documents ("GraphQL Admin API: status and error
 * codes"). GraphQL-level errors (THROTTLED, MAX_COST_EXCEEDED, validation) are HTTP 200 and live in `pipeline.ts`.
 */

export const INVALID_TOKEN = {
  errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
};

export interface HttpError {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const MESSAGES: Record<number, unknown> = {
  400: { errors: { query: 'Required parameter missing or invalid' } },
  401: INVALID_TOKEN,
  402: { errors: "This shop's plan does not have access to this feature" },
  403: { errors: 'User does not have access' },
  404: { errors: 'Not Found' },
  423: { errors: 'This shop is unavailable' },
  // Shopify's REST wording; GraphQL answers its own throttling with HTTP 200 THROTTLED instead.
  429: {
    errors:
      'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
  },
};

/** The error Shopify answers with a given status (an injected fault picks the status). */
export function httpError(status: number): HttpError {
  const body = MESSAGES[status] ?? { errors: 'An unexpected error occurred' };
  // Shopify sends Retry-After in seconds ("2.0"); @shopify/admin-api-client reads it as milliseconds.
  const headers: Record<string, string> = status === 429 ? { 'retry-after': '2.0' } : {};
  return { status, body, headers };
}
