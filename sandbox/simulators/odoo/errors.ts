/**
 * Odoo's exceptions as the RPC layers render them. One error type carries the Python exception class; the
 * XML-RPC endpoints (`/xmlrpc/2` int codes, legacy `/xmlrpc` string codes) and JSON-2 map it exactly as
 * `xmlrpc_handle_exception_int`, `xmlrpc_handle_exception_string` and `Json2Dispatcher.handle_error` do.
 */
import { pyRepr } from './values';

export type OdooExceptionClass =
  'UserError' | 'ValidationError' | 'MissingError' | 'AccessError' | 'AccessDenied' | 'RedirectWarning';

export class OdooError extends Error {
  constructor(
    /** An `odoo.exceptions` class, or a builtin Python exception (`TypeError`, `ValueError`, ...). */
    readonly pyClass: OdooExceptionClass | string,
    message: string,
    /** The service that raised it, for the traceback's frames. */
    public service: 'object' | 'common' | 'loads' = 'object',
  ) {
    super(message);
  }

  get isOdooException(): boolean {
    return [
      'UserError',
      'ValidationError',
      'MissingError',
      'AccessError',
      'AccessDenied',
      'RedirectWarning',
    ].includes(this.pyClass);
  }

  /** The fully qualified name JSON-2 reports (`serialize_exception`). */
  get qualifiedName(): string {
    if (this.isOdooException) return `odoo.exceptions.${this.pyClass}`;
    return this.pyClass.includes('.') ? this.pyClass : `builtins.${this.pyClass}`;
  }
}

export const userError = (msg: string) => new OdooError('UserError', msg);
export const validationError = (msg: string) => new OdooError('ValidationError', msg);
export const accessError = (msg: string) => new OdooError('AccessError', msg);
export const accessDenied = () => new OdooError('AccessDenied', 'Access Denied');
export const pyError = (cls: string, msg: string) => new OdooError(cls, msg);

/** `MissingError` as the ORM raises it for ids that do not exist. */
export function missingError(model: string, ids: number[], uid: number): OdooError {
  // Python's repr of a recordset: product.product(999,) for one id, product.product(998, 999) for more.
  const inner = ids.length === 1 ? `${ids[0]},` : ids.join(', ');
  return new OdooError(
    'MissingError',
    `Record does not exist or has been deleted.\n(Record: ${model}(${inner}), User: ${uid})`,
  );
}

/** `ValueError` for a field the model does not have (read, order, fields_get). */
export const invalidField = (model: string, field: string) =>
  pyError('ValueError', `Invalid field ${pyRepr(field)} on model ${pyRepr(model)}`);

/** What a user without the access right gets on create/write/unlink of a model the connector only reads. */
export function notAllowed(
  operation: 'create' | 'write' | 'unlink',
  description: string,
  model: string,
): OdooError {
  return accessError(
    `You are not allowed to ${operation} '${description}' (${model}) records.\n\nContact your administrator to request access if necessary.`,
  );
}

/** A plausible server traceback ending in the exception line, as Odoo puts in fault 1 and JSON-2 `debug`. */
export function traceback(err: OdooError, entry = 'xmlrpc_2'): string {
  const root = '/usr/lib/python3/dist-packages/odoo';
  const frames: [string, number, string, string][] = [
    [`${root}/addons/base/controllers/rpc.py`, 152, entry, 'response = self._xmlrpc(service)'],
    [
      `${root}/addons/base/controllers/rpc.py`,
      130,
      '_xmlrpc',
      'result = dispatch_rpc(service, method, params)',
    ],
    [`${root}/http.py`, 368, 'dispatch_rpc', 'return dispatch(method, params)'],
  ];
  // A request that does not parse fails in rpc.py itself, before any service.
  if (err.service === 'loads')
    frames.splice(1, 2, [
      `${root}/addons/base/controllers/rpc.py`,
      128,
      '_xmlrpc',
      'params, method = xmlrpc.client.loads(data, use_datetime=True)',
    ]);
  else if (err.service === 'common')
    frames.push([`${root}/service/common.py`, 63, 'dispatch', 'return g[exp_method_name](*params)']);
  else
    frames.push(
      [`${root}/service/model.py`, 37, 'dispatch', 'res = execute_kw(db, uid, *params[3:])'],
      [
        `${root}/service/model.py`,
        59,
        'execute_kw',
        'return execute(db, uid, obj, method, *args, **kw or {})',
      ],
      [`${root}/service/model.py`, 66, 'execute', 'res = execute_cr(cr, uid, obj, method, *args, **kw)'],
      [
        `${root}/service/model.py`,
        50,
        'execute_cr',
        'result = retrying(partial(odoo.api.call_kw, recs, method, args, kw), env)',
      ],
    );
  const body = frames
    .map(([file, line, fn, code]) => `  File "${file}", line ${line}, in ${fn}\n    ${code}\n`)
    .join('');
  const cls = err.isOdooException ? err.qualifiedName : err.pyClass;
  return `Traceback (most recent call last):\n${body}${cls}: ${err.message}\n`;
}

/** The marshalling failure of a method that returned None (apis.md finding 4), raised after the commit. */
export function cannotMarshalNone(): OdooError {
  return pyError('TypeError', 'cannot marshal None unless allow_none is enabled');
}

export interface Fault {
  faultCode: number | string;
  faultString: string;
}

/** `/xmlrpc/2/<service>`: integer fault codes. */
export function intFault(err: OdooError): Fault {
  switch (err.pyClass) {
    case 'RedirectWarning':
      return { faultCode: 2, faultString: err.message };
    case 'AccessError':
      return { faultCode: 4, faultString: err.message };
    case 'AccessDenied':
      return { faultCode: 3, faultString: err.message };
    case 'UserError':
    case 'ValidationError':
    case 'MissingError':
      return { faultCode: 2, faultString: err.message };
    default:
      return { faultCode: 1, faultString: traceback(err) };
  }
}

/** Legacy `/xmlrpc/<service>`: string fault codes that embed the message. */
export function stringFault(err: OdooError): Fault {
  switch (err.pyClass) {
    case 'RedirectWarning':
      return { faultCode: `warning -- Warning\n\n${err.message}`, faultString: '' };
    case 'MissingError':
      return { faultCode: `warning -- MissingError\n\n${err.message}`, faultString: '' };
    case 'AccessError':
      return { faultCode: `warning -- AccessError\n\n${err.message}`, faultString: '' };
    case 'AccessDenied':
      return { faultCode: 'AccessDenied', faultString: err.message };
    case 'UserError':
    case 'ValidationError':
      return { faultCode: `warning -- UserError\n\n${err.message}`, faultString: '' };
    default:
      return { faultCode: err.message, faultString: traceback(err, 'xmlrpc_1') };
  }
}

/** JSON-2 (Odoo 19): the HTTP status of an exception (`UserError.http_status`, 500 for the rest). */
export function json2Status(err: OdooError): number {
  switch (err.pyClass) {
    case 'MissingError':
      return 404;
    case 'AccessError':
    case 'AccessDenied':
      return 403;
    case 'UserError':
    case 'ValidationError':
    case 'RedirectWarning':
      return 422;
    default:
      return 500;
  }
}

export interface Json2ErrorBody {
  name: string;
  message: string;
  arguments: unknown[];
  context: Record<string, unknown>;
  debug: string;
}

export function json2Body(err: OdooError, context: Record<string, unknown> = {}): Json2ErrorBody {
  return {
    name: err.qualifiedName,
    message: err.message,
    arguments: [err.message],
    context,
    debug: traceback(err, 'web_json_2_rpc'),
  };
}

const httpReason: Record<number, [string, string]> = {
  400: ['BadRequest', 'Bad Request'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'Forbidden'],
  404: ['NotFound', 'Not Found'],
  405: ['MethodNotAllowed', 'Method Not Allowed'],
  422: ['UnprocessableEntity', 'Unprocessable Entity'],
  429: ['TooManyRequests', 'Too Many Requests'],
  500: ['InternalServerError', 'Internal Server Error'],
  502: ['BadGateway', 'Bad Gateway'],
  503: ['ServiceUnavailable', 'Service Unavailable'],
  504: ['GatewayTimeout', 'Gateway Timeout'],
};

export const reasonPhrase = (status: number): string => httpReason[status]?.[1] ?? 'Error';

/** A werkzeug HTTPException in JSON-2's shape: `arguments` are (description, code). */
export function json2HttpError(status: number, description: string): Json2ErrorBody {
  const cls = httpReason[status]?.[0] ?? 'HTTPException';
  const debug = `Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/odoo/http.py", line 2212, in _transactioning\n    return service_model.retrying(func, env=self.env)\nwerkzeug.exceptions.${cls}: ${status} ${reasonPhrase(status)}: ${description}\n`;
  return {
    name: `werkzeug.exceptions.${cls}`,
    message: description,
    arguments: [description, status],
    context: {},
    debug,
  };
}

/**
 * The HTML page in front of Odoo when a request fails outside the application: werkzeug's page for 4xx/500, the
 * reverse proxy's (nginx, as on Odoo.sh) for gateway errors. The `xmlrpc` client reads it as a parse error and
 * keeps the status on `err.res.statusCode`.
 */
export function htmlErrorPage(status: number, description?: string): string {
  const reason = reasonPhrase(status);
  if (status >= 502 && status <= 504)
    return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  const text =
    description ??
    (status === 404
      ? 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.'
      : status === 500
        ? 'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.'
        : reason);
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${reason}</title>\n<h1>${reason}</h1>\n<p>${text}</p>\n`;
}
