/** Shared CLI plumbing: exit codes, output, config loading. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfigText, formatProblem, type ConfigResult } from '../domain/config/parse';

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** An error that ends the command with a message and an exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

export const DEFAULT_CONFIG = 'invsync.config.yaml';

export function configPath(opt: string | undefined): string {
  return resolve(opt ?? process.env.INVSYNC_CONFIG ?? DEFAULT_CONFIG);
}

export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${what} ${path}${code === 'ENOENT' ? ': no such file' : `: ${code ?? (err as Error).message}`}`,
    );
  }
}

export async function loadConfig(path: string): Promise<ConfigResult> {
  return parseConfigText(await readTextFile(path, 'config'), process.env);
}

/** Loads the config or throws a CliError listing every problem with its path. */
export async function requireConfig(path: string) {
  const result = await loadConfig(path);
  if (!result.ok)
    throw new CliError(
      `${path} is invalid:\n${result.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
      EXIT.problems,
    );
  return result.config;
}

export interface Output {
  json: boolean;
  out(text: string): void;
  err(text: string): void;
}

export function printJson(o: Output, value: unknown): void {
  o.out(JSON.stringify(value, null, 2));
}
