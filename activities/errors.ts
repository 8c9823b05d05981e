/**
 * IntegrationError -> Temporal ApplicationFailure. The error code becomes the failure `type` (stable, filterable in
 * the Web UI and in `nonRetryableErrorTypes`); permanent errors are non-retryable; retryable ones carry the vendor's
 * delay hint as `nextRetryDelay`, so Temporal waits exactly as long as the channel asked. Anything unexpected is
 * retried by Temporal's policy (bounded by the activity options), never swallowed.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isIntegrationError, type IntegrationError } from '../integrations/errors';

export function toActivityFailure(err: unknown): unknown {
  if (!isIntegrationError(err)) return err;
  const e = err as IntegrationError;
  return ApplicationFailure.create({
    type: e.code,
    message: e.message,
    nonRetryable: e.kind === 'permanent',
    ...(e.kind === 'retryable' && e.retryAfterMs !== undefined ? { nextRetryDelay: e.retryAfterMs } : {}),
    details: [{ ...e.context, status: e.status, vendorCode: e.vendorCode }],
    cause: e.cause instanceof Error ? e.cause : undefined,
  });
}

/** Wraps an activity implementation so every IntegrationError leaves it as a typed ApplicationFailure. */
export function typedFailures<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
