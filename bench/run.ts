/** `npm run bench -- <name> [args]`: runs bench/<name>.ts. Benchmarks print a table and write JSON + SVG under bench/results/. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const name = process.argv[2];
const available = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'chart.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(join(__dirname, `${name}.ts`)) || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\nbenchmarks: ${available.join(', ')}`);
  process.exit(2);
}
process.argv.splice(2, 1);
import(join(__dirname, `${name}.ts`))
  .then((mod: { main(): Promise<void> }) => mod.main())
  .catch((err: Error) => {
    console.error(err.stack);
    process.exitCode = 1;
  });
