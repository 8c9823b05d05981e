/** What adapters are built from besides their config: injected so tests and the sandbox swap them. */
import type { TokenStore } from './token-store';

export interface AdapterDeps {
  /** OAuth tokens (Amazon LWA access tokens, Mercado Libre access + single-use refresh tokens). */
  tokens: TokenStore;
  /** HTTP for adapters that use fetch directly (default: global fetch). */
  fetch?: typeof fetch;
  /** Clock (default Date.now). */
  now?: () => number;
}
