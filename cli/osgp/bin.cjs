#!/usr/bin/env node
// The `osgp` executable (package.json "bin"): loads the TypeScript CLI through tsx, as npm start does.
require('tsx/cjs');
const { runCli } = require('./index.ts');

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
