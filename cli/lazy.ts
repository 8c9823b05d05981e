/**
 * Loads a subcommand's module only when that subcommand runs (the Temporal worker and the sandbox take a second to
 * load; `config check` should not pay for them). CommonJS `require` through tsx's hook: tsx leaves a dynamic
 * `import()` to Node's ESM loader, which does not read TypeScript here. Paths are relative to this folder.
 */
import { createRequire } from 'node:module';

const load = createRequire(__filename);

export function lazy<T>(path: string): T {
  return load(path) as T;
}
