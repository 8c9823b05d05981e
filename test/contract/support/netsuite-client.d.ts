/**
 * Types for netsuite-rest-api-client@1.0.0 (the package ships none), limited to what the connector and the
 * contract tests use. `makeRequest` resolves to got 11's Response (`throwHttpErrors: false`, JSON body).
 */
declare module 'netsuite-rest-api-client' {
  import type { Readable } from 'node:stream';

  export interface NetSuiteClientConfig {
    netsuiteApiHost: string;
    consumerKey: string;
    consumerSecret: string;
    netsuiteAccountId: string;
    netsuiteTokenKey: string;
    netsuiteTokenSecret: string;
    /** SuiteQL page size (`limit`), default 10. */
    netsuiteQueryLimit?: number;
    /** `http://` instead of `https://` (ignored by `suiteqlSearch` for its first page). */
    testEnv?: boolean;
    timeout?: number;
  }

  export interface NetSuiteResponse {
    statusCode: number;
    /** Parsed JSON, or '' for an empty (204) body. */
    body: unknown;
    headers: Record<string, string | string[] | undefined>;
  }

  export function makeRequest(
    config: NetSuiteClientConfig,
    request: {
      query?: unknown;
      path?: string;
      method: string;
      nextUrl?: string;
      requestType: 'suiteql' | 'workbook' | 'dataset' | 'record';
    },
  ): Promise<NetSuiteResponse>;

  export function suiteqlSearch(
    config: NetSuiteClientConfig,
    request: { query?: string; workbook?: string; dataset?: string },
  ): Readable;

  export function update(
    config: NetSuiteClientConfig,
    request: { id: string | number; updateValues: unknown; path: string },
  ): Promise<NetSuiteResponse>;

  export const suitesqlPath: string;
}
