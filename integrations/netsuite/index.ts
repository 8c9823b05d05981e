export { createNetSuiteAdapter, type NetSuiteAdapterOptions } from './adapter';
export { AUTH_FAILED_MESSAGE, CONCURRENCY_RETRY_MS, fromNetSuiteAnswer } from './errors';
export type { NetSuiteErpConfig } from './client';
