/**
 * XML-RPC on the wire with the `xmlrpc` package's own serializer and deserializer (the server side of the
 * library the connector uses), so values and faults are marshalled exactly as its client expects: int fault
 * codes, `<boolean>0</boolean>` for empty values, `<double>` for floats.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Fault } from './errors';

interface DeserializerInstance {
  deserializeMethodCall(
    stream: Readable,
    cb: (err: Error | null, method?: string, params?: unknown[]) => void,
  ): void;
}
interface SerializerModule {
  serializeMethodResponse(value: unknown): string;
  serializeFault(fault: Fault): string;
}

// The package exposes its (de)serializer only as internal modules, which its typings do not declare.
const load = createRequire(__filename);
const Deserializer = load('xmlrpc/lib/deserializer') as new () => DeserializerInstance;
const Serializer = load('xmlrpc/lib/serializer') as SerializerModule;

export function parseMethodCall(body: string): Promise<{ method: string; params: unknown[] }> {
  return new Promise((resolve, reject) => {
    new Deserializer().deserializeMethodCall(
      Readable.from(Buffer.from(body, 'utf8'), { objectMode: false }),
      (err, method, params) => {
        if (err || method === undefined)
          reject(err ?? new Error('Method call did not contain a method name'));
        else resolve({ method, params: params ?? [] });
      },
    );
  });
}

export const methodResponse = (value: unknown): string => Serializer.serializeMethodResponse(value);
export const faultResponse = (fault: Fault): string => Serializer.serializeFault(fault);
