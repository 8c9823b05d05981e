/** `invsync config check`: prints OK or every problem with its path; exit 1 on errors. */
import { formatProblem } from '../../domain/config/parse';
import { EXIT, loadConfig, printJson, type Output } from '../io';

export async function configCheck(path: string, o: Output): Promise<number> {
  const result = await loadConfig(path);
  if (o.json) {
    printJson(
      o,
      result.ok
        ? { ok: true, path, channels: result.config.channels.map((c) => c.id) }
        : { ok: false, path, problems: result.problems },
    );
    return result.ok ? EXIT.ok : EXIT.problems;
  }
  if (result.ok) {
    const c = result.config;
    o.out(
      `OK ${path}: ${c.erp.kind} with ${c.erp.locations.length} locations; channels ${c.channels
        .map((ch) => `${ch.id} (${ch.kind}, ${ch.mode})`)
        .join(', ')}`,
    );
    return EXIT.ok;
  }
  o.err(`${path}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
  for (const p of result.problems) o.err(`  ${formatProblem(p)}`);
  return EXIT.problems;
}
