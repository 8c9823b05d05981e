/**
 * `invsync sandbox [--seed FILE | --preset NAME]`: every simulator on its own port on 127.0.0.1, the admin API,
 * `sandbox/.run/manifest.json` and a ready `invsync.config.yaml`; runs until Ctrl-C.
 */
import { join, resolve } from 'node:path';
import { CliError, EXIT, printJson, readTextFile, type Output } from '../io';
import { lazy } from '../lazy';
import type * as SandboxModule from '../../sandbox';
import type * as SeedModule from '../../sandbox/seed';
import type * as PresetsModule from '../../sandbox/presets';
import type { SandboxPorts } from '../../sandbox';

export interface SandboxCommandOptions {
  seed?: string;
  preset?: string;
  portBase: number;
  webhookUrl?: string;
  runDir: string;
}

export const SANDBOX_SYSTEMS: (keyof SandboxPorts)[] = [
  'admin',
  'odoo',
  'netsuite',
  'shopify',
  'amazon',
  'mercadolibre',
];

export async function sandboxCommand(
  o: SandboxCommandOptions,
  out: Output,
  until: Promise<void>,
): Promise<number> {
  if (o.seed && o.preset) throw new CliError('give --seed or --preset, not both');
  const { startSandbox } = lazy<typeof SandboxModule>('../sandbox');
  let seed: unknown;
  if (o.seed) {
    try {
      seed = JSON.parse(await readTextFile(resolve(o.seed), 'seed'));
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`seed ${o.seed} is not valid JSON`, EXIT.problems);
    }
  }
  const ports = Object.fromEntries(
    SANDBOX_SYSTEMS.map((k, i) => [k, o.portBase === 0 ? 0 : o.portBase + i]),
  ) as unknown as SandboxPorts;
  if (seed !== undefined) {
    const { seedSchema } = lazy<typeof SeedModule>('../sandbox/seed');
    const parsed = seedSchema.safeParse(seed);
    if (!parsed.success)
      throw new CliError(
        `seed ${o.seed} is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`,
        EXIT.problems,
      );
  }
  const { PRESETS } = lazy<typeof PresetsModule>('../sandbox/presets');
  if (o.preset && !(PRESETS as readonly string[]).includes(o.preset))
    throw new CliError(`unknown preset "${o.preset}" (presets: ${PRESETS.join(', ')})`);
  const sandbox = await startSandbox({
    ...(seed !== undefined ? { seed: seed as never } : { preset: o.preset ?? 'demo' }),
    ports,
    webhookBaseUrl: o.webhookUrl ?? 'http://127.0.0.1:8080',
  });
  const files = sandbox.writeRunFiles(resolve(o.runDir));
  if (out.json) printJson(out, { ...sandbox.manifest(), ...files });
  else {
    out.out('invsync sandbox is up:');
    for (const k of SANDBOX_SYSTEMS) out.out(`  ${k.padEnd(13)} ${sandbox.urls[k]}`);
    out.out(`  webhooks to   ${sandbox.ctx.webhooks.settings.baseUrl}/webhooks/<kind>/<channel>`);
    out.out(`  manifest      ${files.manifestPath}`);
    out.out(`  config        ${files.configPath}`);
    out.out(`Try: curl -s ${sandbox.urls.admin}/_sandbox/state | head -c 400`);
    out.out('Ctrl-C stops it.');
  }
  await until;
  await sandbox.close();
  return EXIT.ok;
}

export const DEFAULT_RUN_DIR = join('sandbox', '.run');
