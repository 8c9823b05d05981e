/**
 * Makes sure the sandbox's persistent TLS certificate exists and prints its path. `npm test` runs this, then starts
 * Jest with NODE_EXTRA_CA_CERTS pointing at it (Node reads that variable only when a process starts). To rehearse
 * against the NetSuite simulator: NODE_EXTRA_CA_CERTS=$(npx tsx scripts/sandbox-cert.ts) npx invsync worker ...
 */
import { sandboxCertificate } from '../sandbox/tls';

sandboxCertificate().then(
  ({ certPath }) => console.log(certPath),
  (err: Error) => {
    console.error(`cannot create the sandbox certificate: ${err.message}`);
    process.exitCode = 1;
  },
);
