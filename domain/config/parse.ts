/**
 * From config text to a validated {@link Config}: YAML, then `${ENV}` interpolation (secrets stay out of the
 * file), then the schema. Every problem is returned with its path, e.g.
 * `channels[1].locations[0].erpLocations: unknown location "WH2/Stock"`.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema';

export interface ConfigProblem {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path}: ${p.message}`;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` and `${NAME:-default}` in every string value; a missing variable is a problem. */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export function parseConfigObject(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): ConfigResult {
  const problems: ConfigProblem[] = [];
  const interpolated = interpolateEnv(raw, env, problems);
  if (problems.length) return { ok: false, problems };
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  return { ok: true, config: parsed.data };
}

export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>> = {},
): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}` : '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  return parseConfigObject(doc.toJS(), env);
}
