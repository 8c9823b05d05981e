/** Jest workers trust the sandbox certificate: a plain https fetch to the NetSuite simulator succeeds. */
import { startSandbox, type Sandbox } from '../../sandbox';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ preset: 'small', secret: 'tls-test' });
});
afterAll(async () => sb?.close());

test('NODE_EXTRA_CA_CERTS makes the NetSuite simulator trusted without turning verification off', async () => {
  // `npm test` sets it (scripts/sandbox-cert.ts); a bare `npx jest` does not, and this says so.
  expect(process.env.NODE_EXTRA_CA_CERTS).toMatch(/sandbox-tls\/cert\.pem$/);
  expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  const res = await fetch(`${sb.urls.netsuite}/services/rest/query/v1/suiteql`, {
    method: 'POST',
    body: '{}',
  });
  expect(res.status).toBe(401); // reached over verified TLS; refused for lack of OAuth, as it should be
});
