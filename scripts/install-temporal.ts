/** `npm run temporal:install`: finds or builds the Temporal CLI and prints where it is. */
import { ensureTemporalCli } from './temporal/cli-binary';

const quiet = process.argv.includes('--quiet');
const started = Date.now();
ensureTemporalCli((line) => console.error(`[temporal] ${line}`))
  .then((cli) => {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (!quiet || cli.source === 'go-install' || cli.source === 'sdk-download')
      console.error(
        `[temporal] CLI ${cli.version ? `v${cli.version} ` : ''}from ${cli.source}: ${cli.path} (${secs}s)`,
      );
  })
  .catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
