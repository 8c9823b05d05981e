#!/usr/bin/env node
// Entry point of `npx invsync`: runs the TypeScript CLI through tsx's require hook (no build step).
'use strict';
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
    // A finished command exits even if a client library keeps a socket or timer alive; the grace lets piped
    // stdout drain. (Long-running commands - worker, sandbox, dev - resolve only after their shutdown.)
    setTimeout(() => process.exit(code), 500).unref();
  })
  .catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 2;
  });
