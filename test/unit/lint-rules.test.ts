/**
 * The layering rules are enforced by ESLint: workflow files import only the workflow SDK, domain/ and activity
 * types; domain/ imports nothing with I/O; floating promises are errors.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(60_000);
const root = join(__dirname, '..', '..');

/** Lints `code` as if it were `file`, with the project's real ESLint config (in a child process: ESLint loads
 *  its ESM config with a dynamic import that Jest's VM does not allow). */
async function messages(file: string, code: string): Promise<string[]> {
  const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const r = spawnSync(
    process.execPath,
    [eslint, '--stdin', '--stdin-filename', join(root, file), '--format', 'json'],
    {
      cwd: root,
      input: code,
      encoding: 'utf8',
    },
  );
  const [result] = JSON.parse(r.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test('workflow files may not import Node APIs, integration code or activity values', async () => {
  const out = await messages(
    'workflows/plan.ts',
    [
      "import { readFileSync } from 'node:fs';",
      "import { createActivities } from '../activities';",
      "import { startDevServer } from '../scripts/temporal/dev-server';",
      "import type { Activities } from '../activities';",
      "import { plan } from '../domain/plan';",
      "import { sleep } from '@temporalio/workflow';",
      'export const x = [readFileSync, createActivities, startDevServer, plan, sleep] as unknown as Activities;',
    ].join('\n'),
  );
  const restricted = out.filter((m) => m.startsWith('@typescript-eslint/no-restricted-imports'));
  expect(restricted).toHaveLength(3);
  expect(restricted[0]).toMatch(/'node:fs' import is restricted/);
  expect(restricted[1]).toMatch(/'\.\.\/activities' import is restricted.*activity \*types\* only/);
  expect(restricted[2]).toMatch(/'\.\.\/scripts\/temporal\/dev-server' import is restricted/);
});

test('domain files may not import Node APIs, Temporal or code outside domain/', async () => {
  const out = await messages(
    'domain/atp.ts',
    [
      "import { readFile } from 'node:fs/promises';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { createActivities } from '../activities';",
      "import { z } from 'zod';",
      "import { erpAvailable } from './quantities';",
      'export const x = [readFile, proxyActivities, createActivities, z, erpAvailable];',
    ].join('\n'),
  );
  expect(out.filter((m) => m.startsWith('@typescript-eslint/no-restricted-imports'))).toHaveLength(3);
});

test('floating promises are errors', async () => {
  const out = await messages(
    'activities/plan.ts',
    'async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n}\n',
  );
  expect(out).toContainEqual(expect.stringMatching(/^@typescript-eslint\/no-floating-promises/));
});
