/**
 * The sandbox's persistent self-signed certificate (127.0.0.1/localhost), kept in a git-ignored folder so that a
 * client told to trust it once (NODE_EXTRA_CA_CERTS=<dir>/cert.pem) keeps trusting it across sandbox restarts.
 * Only the NetSuite simulator serves HTTPS (its client library insists on https).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { selfSignedCert } from './http';

export const DEFAULT_TLS_DIR = resolve(__dirname, '..', '.tools', 'sandbox-tls');

export async function sandboxCertificate(
  dir = DEFAULT_TLS_DIR,
): Promise<{ key: string; cert: string; certPath: string }> {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  if (existsSync(keyPath) && existsSync(certPath))
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
  const pair = await selfSignedCert();
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyPath, pair.key, { mode: 0o600 });
  writeFileSync(certPath, pair.cert);
  return { ...pair, certPath };
}
