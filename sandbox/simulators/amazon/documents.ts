/**
 * Feed document storage, standing in for the pre-signed S3 URLs the Feeds API hands out: `createFeedDocument`
 * returns a PUT URL, `getFeedDocument` a GET URL, both signed and valid for 5 minutes. S3 answers in XML, not in
 * the SP-API error shape: `AccessDenied` (expired), `SignatureDoesNotMatch` (tampered URL or a Content-Type other
 * than the one declared), `NoSuchKey`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { gate, rawBody, type FastifyInstance, type FastifyReply, type FastifyRequest } from '../../http';
import { queryString } from './format';
import type { AmazonState } from './state';

const PATH = '/_s3/feeds';
const secret = randomBytes(32);

type S3Method = 'PUT' | 'GET';

function signature(
  method: S3Method,
  docId: string,
  date: string,
  expires: number,
  contentType: string,
): string {
  return createHmac('sha256', secret)
    .update(`${method}\n${docId}\n${date}\n${expires}\n${contentType}`)
    .digest('hex');
}

const amzDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const normalise = (contentType: string): string => contentType.toLowerCase().replace(/\s+/g, '');

/** A pre-signed URL on this server for one document and one method. */
export function presign(state: AmazonState, req: FastifyRequest, method: S3Method, docId: string): string {
  const doc = state.documents.get(docId);
  const contentType = method === 'PUT' ? normalise(doc?.contentType ?? '') : '';
  const date = amzDate(state.now());
  const expires = state.settings.documentUrlTtlSeconds;
  const host = req.headers.host ?? '127.0.0.1';
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Date': date,
    'X-Amz-Expires': String(expires),
    'X-Amz-SignedHeaders': method === 'PUT' ? 'content-type;host' : 'host',
    'X-Amz-Signature': signature(method, docId, date, expires, contentType),
  });
  return `${req.protocol}://${host}${PATH}/${encodeURIComponent(docId)}?${query.toString()}`;
}

function s3Error(reply: FastifyReply, f: S3Failure): FastifyReply {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${f.code}</Code><Message>${f.message}</Message><RequestId>${requestId}</RequestId></Error>`;
  return reply.code(f.status).type('application/xml').send(xml);
}

const parseAmzDate = (d: string): number =>
  Date.parse(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );

interface S3Failure {
  status: number;
  code: string;
  message: string;
}

/** Checks the URL's signature and age, as S3 does before it looks for the object. */
function verify(
  state: AmazonState,
  req: FastifyRequest,
  method: S3Method,
  docId: string,
): S3Failure | undefined {
  const q = req.query as Record<string, unknown>;
  const date = queryString(q['X-Amz-Date']) ?? '';
  const expires = Number(queryString(q['X-Amz-Expires']));
  const given = Buffer.from(queryString(q['X-Amz-Signature']) ?? '');
  const contentType = method === 'PUT' ? normalise(req.headers['content-type'] ?? '') : '';
  const expected = Buffer.from(signature(method, docId, date, expires, contentType));
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  if (state.now() > parseAmzDate(date) + expires * 1000)
    return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
  return undefined;
}

const NO_SUCH_KEY: S3Failure = {
  status: 404,
  code: 'NoSuchKey',
  message: 'The specified key does not exist.',
};
const INTERNAL: S3Failure = {
  status: 500,
  code: 'InternalError',
  message: 'We encountered an internal error. Please try again.',
};

export function registerDocuments(app: FastifyInstance, state: AmazonState): void {
  const world = state.ctx.world;
  const fail = (reply: FastifyReply, endpoint: string, f: S3Failure): FastifyReply => {
    world.recordCall('amazon', endpoint, 'error');
    return s3Error(reply, f);
  };
  app.put(`${PATH}/:docId`, async (req, reply) => {
    const endpoint = 's3.putFeedDocument';
    const g = await gate(world, 'amazon', endpoint);
    if (g.fail !== undefined) return s3Error(reply, { ...INTERNAL, status: g.fail });
    const { docId } = req.params as { docId: string };
    const denied = verify(state, req, 'PUT', docId);
    if (denied) return fail(reply, endpoint, denied);
    const doc = state.documents.get(docId);
    if (!doc) return fail(reply, endpoint, NO_SUCH_KEY);
    // A silent drop loses the upload: the feed later finds no content and ends FATAL, as after a lost S3 PUT.
    if (!g.drop) doc.content = rawBody(req);
    world.recordCall('amazon', endpoint, 'ok');
    return reply
      .code(200)
      .header('ETag', `"${randomBytes(16).toString('hex')}"`)
      .send('');
  });
  app.get(`${PATH}/:docId`, async (req, reply) => {
    const endpoint = 's3.getFeedDocument';
    const g = await gate(world, 'amazon', endpoint);
    if (g.fail !== undefined) return s3Error(reply, { ...INTERNAL, status: g.fail });
    const { docId } = req.params as { docId: string };
    const denied = verify(state, req, 'GET', docId);
    if (denied) return fail(reply, endpoint, denied);
    const doc = state.documents.get(docId);
    if (doc?.content === undefined) return fail(reply, endpoint, NO_SUCH_KEY);
    world.recordCall('amazon', endpoint, 'ok');
    return reply.code(200).type(doc.contentType).send(doc.content);
  });
}
