// Runs `prisma generate` without letting the Prisma CLI download its schema engine: generate never runs
// that engine, but the CLI fetches it for every command unless PRISMA_SCHEMA_ENGINE_BINARY names a file.
// Migrations are applied by the project's own migrator (db/migrate.ts), so no engine is needed at all.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const prismaCli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
if (!fs.existsSync(prismaCli)) {
  console.log('[prisma-generate] prisma CLI not installed yet; skipping');
  process.exit(0);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const result = spawnSync(process.execPath, [prismaCli, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
