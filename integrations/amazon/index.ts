/** Amazon SP-API channel adapter (FBM quantities via Listings Items and JSON_LISTINGS_FEED; FBA read-only). */
export { createAmazonAdapter } from './adapter';
export { DEFAULT_SETTINGS, FBA_LOCATION, FBM_LOCATION } from './config';
export type { AmazonAdapterOptions, AmazonChannelConfig } from './config';
export { LWA_ENDPOINT, REFRESH_MARGIN_MS } from './lwa';
export { erpCatalogue } from './catalogue';
