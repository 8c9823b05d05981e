/**
 * Login with Amazon: `POST /auth/o2/token` (JSON or form), as `@sp-api-sdk/auth` and every SP-API client call it.
 * A refresh-token grant returns a bearer access token (`Atza|...`) and the same refresh token; a client-credentials
 * grant returns a grantless token. Errors are OAuth's `{error, error_description}`: invalid_client (401),
 * invalid_grant / invalid_request / unsupported_grant_type / invalid_scope (400).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { gate, type FastifyInstance, type FastifyReply } from '../../http';
import type { AmazonState } from './state';

const ENDPOINT = 'lwa.token';
const GRANTLESS_SCOPES = [
  'sellingpartnerapi::notifications',
  'sellingpartnerapi::client_credential:rotation',
];

const tokenRequest = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
});

type OAuthError =
  'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope';

class LwaError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthError | 'server_error',
    readonly description: string,
  ) {
    super(description);
  }
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Form or JSON: the SDK posts JSON; curl and most docs post `application/x-www-form-urlencoded`. */
function parseBody(body: unknown, contentType: string | undefined): unknown {
  if (typeof body !== 'string') return body ?? {};
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export function registerLwa(app: FastifyInstance, state: AmazonState): void {
  const world = state.ctx.world;
  app.post('/auth/o2/token', async (req, reply) => {
    const g = await gate(world, 'amazon', ENDPOINT);
    if (g.fail !== undefined)
      return sendError(
        reply,
        new LwaError(g.fail, 'server_error', 'The server encountered an unexpected error.'),
      );
    try {
      const parsed = tokenRequest.safeParse(parseBody(req.body, req.headers['content-type']));
      if (!parsed.success) throw new LwaError(400, 'invalid_request', 'The request body is malformed.');
      const body = issue(state, parsed.data);
      world.recordCall('amazon', ENDPOINT, 'ok');
      return reply.code(200).type('application/json;charset=UTF-8').send(body);
    } catch (err) {
      if (!(err instanceof LwaError)) throw err;
      world.recordCall('amazon', ENDPOINT, 'error');
      return sendError(reply, err);
    }
  });
}

function sendError(reply: FastifyReply, err: LwaError): FastifyReply {
  return reply
    .code(err.status)
    .type('application/json;charset=UTF-8')
    .send({ error_description: err.description, error: err.error });
}

/** Forgets tokens expired for over an hour; until then a call with one still answers "has expired". */
function prune(state: AmazonState): void {
  const horizon = state.now() - 3_600_000;
  for (const [token, t] of state.tokens) if (t.expiresAt < horizon) state.tokens.delete(token);
}

function issue(state: AmazonState, r: z.output<typeof tokenRequest>): Record<string, unknown> {
  for (const field of ['grant_type', 'client_id', 'client_secret'] as const)
    if (!r[field])
      throw new LwaError(400, 'invalid_request', `The request is missing a required parameter : ${field}`);
  const clientId = r.client_id ?? '';
  const clientSecret = r.client_secret ?? '';
  // Client authentication comes first, as in OAuth 2.0: a wrong secret is invalid_client whatever the grant.
  const channelId = state
    .channelIds()
    .find(
      (id) =>
        same(state.credentials(id).clientId, clientId) &&
        same(state.credentials(id).clientSecret, clientSecret),
    );
  if (channelId === undefined) throw new LwaError(401, 'invalid_client', 'Client authentication failed');

  const ttl = state.settings.tokenTtlSeconds;
  prune(state);
  const accessToken = `Atza|${randomBytes(96).toString('base64url')}`;
  if (r.grant_type === 'refresh_token') {
    if (!r.refresh_token)
      throw new LwaError(
        400,
        'invalid_request',
        'The request is missing a required parameter : refresh_token',
      );
    const expected = state.credentials(channelId).refreshToken;
    if (!same(expected, r.refresh_token))
      throw new LwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
    state.tokens.set(accessToken, { channelId, expiresAt: state.now() + ttl * 1000, grantless: false });
    return { access_token: accessToken, refresh_token: expected, token_type: 'bearer', expires_in: ttl };
  }
  if (r.grant_type === 'client_credentials') {
    const scopes = (r.scope ?? '').split(' ').filter((s) => s !== '');
    if (scopes.length === 0 || scopes.some((s) => !GRANTLESS_SCOPES.includes(s)))
      throw new LwaError(400, 'invalid_scope', 'An unknown scope was requested');
    state.tokens.set(accessToken, { channelId, expiresAt: state.now() + ttl * 1000, grantless: true });
    return { access_token: accessToken, scope: scopes.join(' '), token_type: 'bearer', expires_in: ttl };
  }
  throw new LwaError(
    400,
    'unsupported_grant_type',
    'The authorization grant type is not supported by the authorization server',
  );
}
