/** Stops the dev server started by global-setup. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__INVSYNC_DEV_SERVER__?.stop();
  globalThis.__INVSYNC_DEV_SERVER__ = undefined;
}
