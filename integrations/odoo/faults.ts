/**
 * Odoo's failures as IntegrationErrors. XML-RPC (`/xmlrpc/2`) answers HTTP 200 with an integer fault code
 * (`xmlrpc_handle_exception_int`): 1 any other exception (a traceback), 2 UserError and its subclasses
 * (MissingError, ValidationError), 3 AccessDenied, 4 AccessError. JSON-2 (Odoo 19) answers HTTP statuses with
 * `{name, message}`. What fails in front of Odoo (a proxy's 502, a refused connection) is retryable.
 */
import { z } from 'zod';
import { IntegrationError, fromHttpStatus, fromNetworkError, where, type ErrorCode } from '../errors';

/** What a failing call was about: the model method and, when known, the SKU and location. */
export interface CallContext {
  model: string;
  method: string;
  sku?: string | undefined;
  location?: string | undefined;
}

/** The connection details a message may name (never the key). */
export interface LoginInfo {
  url: string;
  database: string;
  username: string;
}

const SYSTEM = 'odoo';

const operationOf = (c: CallContext) => `${c.model}.${c.method}`;

function error(
  code: ErrorCode,
  c: CallContext,
  message: string,
  extra: { status?: number; vendorCode?: string; cause?: unknown; retryAfterMs?: number } = {},
): IntegrationError {
  return new IntegrationError({
    system: SYSTEM,
    sku: c.sku,
    location: c.location,
    operation: operationOf(c),
    code,
    message: `${where(c)}${message}`,
    ...extra,
  });
}

/** The message an operator needs when Odoo refuses the credentials. */
export function loginRejected(
  login: LoginInfo,
  c: CallContext,
  detail: string,
  extra: { status?: number; vendorCode?: string; cause?: unknown } = {},
) {
  return error(
    'AUTH_FAILED',
    c,
    `Odoo rejected the login of ${login.username} on database ${login.database} at ${login.url} (${detail}): check erp.username/erp.apiKey`,
    extra,
  );
}

/**
 * A socket or timeout error as a plain Error of this realm, its cause named: fetch's "fetch failed" hides the
 * socket error in `cause`, and errors made by Node's http module are not `instanceof` a test sandbox's Error.
 */
export function networkError(err: unknown): Error {
  const messageOf = (e: unknown): string | undefined =>
    typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string'
      ? e.message
      : undefined;
  const message = messageOf(err) ?? String(err);
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : messageOf(cause);
  return new Error(code ? `${message} (${code})` : message, { cause: err });
}

/** The last line of a Python traceback is the exception itself ("ValueError: Invalid field ..."). */
export function exceptionLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return text.startsWith('Traceback') ? (lines[lines.length - 1] ?? text).trim() : text.trim();
}

const MISSING = /^Record does not exist or has been deleted/;
/** PostgreSQL serialization failures survive Odoo's own retries only under heavy contention: try again later. */
const CONCURRENT = /SerializationFailure|could not serialize access|LockNotAvailable/;
const NO_DATABASE = /database "([^"]*)" does not exist/;

/** Maps an Odoo exception, given its class (JSON-2) or fault code (XML-RPC), and its text. */
function fromOdooException(
  kind: 'AccessDenied' | 'AccessError' | 'MissingError' | 'UserError' | 'Other',
  text: string,
  c: CallContext,
  login: LoginInfo,
  extra: { status?: number; vendorCode?: string; cause?: unknown },
): IntegrationError {
  const op = operationOf(c);
  switch (kind) {
    case 'AccessDenied':
      return loginRejected(login, c, text, extra);
    case 'AccessError':
      return error(
        'PERMISSION_DENIED',
        c,
        `Odoo denied ${op} to ${login.username}: ${text}: grant the integration user access to ${c.model}`,
        extra,
      );
    case 'MissingError':
      return error('NOT_FOUND', c, `Odoo ${op} found no record: ${text}`, extra);
    case 'UserError':
      return error('UPSTREAM_REJECTED', c, `Odoo refused ${op}: ${text}`, extra);
    case 'Other': {
      const line = exceptionLine(text);
      const db = NO_DATABASE.exec(line);
      if (db)
        return error(
          'AUTH_FAILED',
          c,
          `Odoo at ${login.url} has no database "${db[1] ?? ''}": check erp.database`,
          extra,
        );
      if (CONCURRENT.test(line))
        return error('UPSTREAM_UNAVAILABLE', c, `Odoo ${op} hit a concurrent update: ${line}`, extra);
      return error('UPSTREAM_REJECTED', c, `Odoo failed on ${op}: ${line}`, extra);
    }
  }
}

/** The `xmlrpc` client's error: a fault (`faultCode`), an HTTP failure (`res`), or a socket error. */
const xmlrpcErrorSchema = z.object({
  faultCode: z.union([z.number(), z.string()]).optional(),
  faultString: z.string().optional(),
  code: z.union([z.number(), z.string()]).optional(),
  res: z
    .object({
      statusCode: z.number().optional(),
      headers: z.record(z.string(), z.union([z.string(), z.array(z.string())]).optional()).optional(),
    })
    .optional(),
});

/** The generic HTTP mapping, with the vendor error kept as the cause. */
function rewrap(mapped: IntegrationError, cause?: unknown): IntegrationError {
  return new IntegrationError({
    ...mapped.context,
    code: mapped.code,
    message: mapped.message,
    status: mapped.status,
    vendorCode: mapped.vendorCode,
    retryAfterMs: mapped.retryAfterMs,
    cause,
  });
}

const MARSHAL_NONE = /cannot marshal None unless allow_none is enabled/;

/**
 * A method that returned None faults (code 1) while marshalling the answer, after Odoo committed its work
 * (apis.md finding 4): that is a success without a value, and the caller re-reads what it needs.
 */
export function isCommittedNone(err: unknown): boolean {
  const e = xmlrpcErrorSchema.safeParse(err);
  return e.success && e.data.faultCode === 1 && MARSHAL_NONE.test(e.data.faultString ?? '');
}

export function fromXmlrpcError(err: unknown, c: CallContext, login: LoginInfo): IntegrationError {
  const parsed = xmlrpcErrorSchema.safeParse(err);
  const e = parsed.success ? parsed.data : {};
  const base = { cause: err };
  if (typeof e.faultCode === 'number') {
    const text = e.faultString ?? '';
    const extra = { ...base, vendorCode: `fault ${e.faultCode}` };
    switch (e.faultCode) {
      case 3:
        return fromOdooException('AccessDenied', text, c, login, extra);
      case 4:
        return fromOdooException('AccessError', text, c, login, extra);
      case 2:
        return fromOdooException(MISSING.test(text) ? 'MissingError' : 'UserError', text, c, login, extra);
      default:
        return fromOdooException('Other', text, c, login, extra);
    }
  }
  const status = e.res?.statusCode;
  if (status !== undefined && status !== 200) {
    const header = e.res?.headers?.['retry-after'];
    const mapped = fromHttpStatus(status, {
      system: SYSTEM,
      sku: c.sku,
      location: c.location,
      operation: operationOf(c),
      retryAfter: Array.isArray(header) ? header[0] : header,
      detail: status === 404 ? `no XML-RPC endpoint at ${login.url} (check erp.url)` : undefined,
    });
    return rewrap(mapped, err);
  }
  if (status === 200)
    return error('BAD_RESPONSE', c, `Odoo ${operationOf(c)} answered something that is not XML-RPC`, base);
  return fromNetworkError(networkError(err), {
    system: SYSTEM,
    sku: c.sku,
    location: c.location,
    operation: operationOf(c),
  });
}

/** JSON-2's error body (`Json2Dispatcher.handle_error`). */
const json2ErrorSchema = z.object({ name: z.string(), message: z.string() });

const ODOO_CLASSES: Record<string, 'AccessDenied' | 'AccessError' | 'MissingError' | 'UserError'> = {
  'odoo.exceptions.AccessDenied': 'AccessDenied',
  'odoo.exceptions.AccessError': 'AccessError',
  'odoo.exceptions.MissingError': 'MissingError',
  'odoo.exceptions.UserError': 'UserError',
  'odoo.exceptions.ValidationError': 'UserError',
  'odoo.exceptions.RedirectWarning': 'UserError',
};

export function fromJson2Response(
  status: number,
  body: string,
  retryAfter: string | null,
  c: CallContext,
  login: LoginInfo,
): IntegrationError {
  let parsed: z.infer<typeof json2ErrorSchema> | undefined;
  try {
    const r = json2ErrorSchema.safeParse(JSON.parse(body));
    parsed = r.success ? r.data : undefined;
  } catch {
    parsed = undefined;
  }
  const extra = { status, vendorCode: parsed?.name };
  if (status === 401) return loginRejected(login, c, parsed?.message ?? 'HTTP 401', extra);
  if (parsed && !parsed.name.startsWith('werkzeug.')) {
    const kind = ODOO_CLASSES[parsed.name] ?? 'Other';
    return fromOdooException(
      kind,
      kind === 'Other' ? `${parsed.name}: ${parsed.message}` : parsed.message,
      c,
      login,
      extra,
    );
  }
  // werkzeug's own answers (unknown model, bad keyword, gateway errors) and proxies: by status.
  const mapped = fromHttpStatus(status, {
    system: SYSTEM,
    sku: c.sku,
    location: c.location,
    operation: operationOf(c),
    retryAfter,
    detail: parsed?.message,
    vendorCode: parsed?.name,
  });
  return rewrap(mapped);
}

export function badResponse(c: CallContext, detail: string): IntegrationError {
  return error('BAD_RESPONSE', c, `Odoo ${operationOf(c)} answered an unexpected shape: ${detail}`);
}
