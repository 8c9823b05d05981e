/**
 * The part of netsuite-rest-api-client@1.0.0 (which ships no types) that the adapter uses. Declared to match
 * test/contract/support/netsuite-client.d.ts member for member, so the two declarations merge when both are compiled.
 * `makeRequest` resolves to got 11's Response (`throwHttpErrors: false`, JSON body); got adds `retryCount`.
 */
declare module 'netsuite-rest-api-client' {
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
}
