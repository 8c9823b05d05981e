/** zod at the boundary: a body that does not fit is a 422 naming the path and the problem. */
import { z } from 'zod';
import type { Outcome } from './types';

export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): { ok: true; data: z.output<S> } | { ok: false; outcome: Extract<Outcome, { kind: 'reject' }> } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data };
  return {
    ok: false,
    outcome: {
      kind: 'reject',
      status: 422,
      reason: `${what} does not match the expected shape: ${issuesText(r.error)}`,
    },
  };
}

/** Ids that arrive as JSON numbers or strings of digits (Shopify REST, Mercado Libre). */
export const numericId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected a numeric id')])
  .transform(String);
