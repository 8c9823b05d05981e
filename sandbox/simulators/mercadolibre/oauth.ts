/**
 * `POST /oauth/token`: the refresh-token grant with single-use refresh tokens. Parameters arrive form-encoded (the
 * documented way), as JSON, or in the query string (older integrations), and are merged in that order of priority.
 * A silent-drop fault does not apply here: a token answer that was never issued would be a different bug.
 */
import type { FastifyInstance, FastifyRequest } from '../../http';
import { oauthError } from './errors';
import { open, sellerOf, type Deps, type Seller } from './route';
import { tokenRequestSchema } from './schemas';

function params(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: string, v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  };
  if (req.query && typeof req.query === 'object') for (const [k, v] of Object.entries(req.query)) put(k, v);
  if (typeof req.body === 'string') for (const [k, v] of new URLSearchParams(req.body)) put(k, v);
  else if (req.body && typeof req.body === 'object') for (const [k, v] of Object.entries(req.body)) put(k, v);
  return out;
}

function sellerByClient(deps: Deps, clientId: string | undefined): Seller | undefined {
  if (clientId === undefined) return undefined;
  for (const ch of deps.ctx.world.channels.values())
    if (ch.kind === 'mercadolibre' && deps.ctx.credentials.mercadolibre(ch.id).clientId === clientId)
      return sellerOf(deps, ch.id);
  return undefined;
}

const INVALID_GRANT =
  'Error validating grant. Your authorization code or refresh token may be expired or it was already used';

export function registerOAuth(app: FastifyInstance, deps: Deps): void {
  open(app, deps, {
    method: 'POST',
    url: '/oauth/token',
    endpoint: 'POST /oauth/token',
    identify: (req) => sellerByClient(deps, params(req).client_id),
    handler: (req) => {
      const parsed = tokenRequestSchema.safeParse(params(req));
      if (!parsed.success) throw oauthError(400, 'invalid_request', 'malformed token request');
      const p = parsed.data;
      if (!p.grant_type) throw oauthError(400, 'invalid_request', 'the grant_type parameter is required');
      if (p.grant_type !== 'refresh_token' && p.grant_type !== 'authorization_code')
        throw oauthError(
          400,
          'unsupported_grant_type',
          'Allowed values for grant_type are authorization_code or refresh_token',
        );
      const seller = sellerByClient(deps, p.client_id);
      if (!seller || seller.credentials.clientSecret !== p.client_secret)
        throw oauthError(400, 'invalid_client', 'invalid client_id or client_secret');
      // The sandbox never hands out authorization codes: every code is unknown.
      if (p.grant_type === 'authorization_code') throw oauthError(400, 'invalid_grant', INVALID_GRANT);
      if (!p.refresh_token)
        throw oauthError(400, 'invalid_request', 'the refresh_token parameter is required');
      const issued = deps.tokens.rotate(seller.channel.id, p.refresh_token);
      if (!issued) throw oauthError(400, 'invalid_grant', INVALID_GRANT);
      return {
        status: 200,
        body: {
          access_token: issued.accessToken,
          token_type: 'Bearer',
          expires_in: issued.expiresIn,
          scope: 'offline_access read write',
          user_id: seller.userId,
          refresh_token: issued.refreshToken,
        },
      };
    },
  });
}
