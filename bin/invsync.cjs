#!/usr/bin/env node
// Entry point of `npx invsync`: runs the TypeScript CLI through tsx's require hook (no build step).
'use strict';
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 2;
  });
