// Part of `npm run build`: files the compiled code reads at run time that tsc does not emit.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const assets = [
  ['adapters/oslp/oslp.proto', 'dist/adapters/oslp/oslp.proto'],
  ['prisma/migrations', 'dist/prisma/migrations'],
];
for (const [from, to] of assets) {
  fs.cpSync(path.join(root, from), path.join(root, to), { recursive: true });
}
