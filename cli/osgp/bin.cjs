#!/usr/bin/env node
// The `osgp` executable (package.json "bin"): loads the TypeScript CLI through tsx, as npm start does.
require('tsx/cjs');
const { runCli } = require('./index.ts');

// Output piped into a reader that stops early (`osgp devices list | head`) ends the CLI quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
