// `npm run temporal:cluster`: a throwaway Temporal cluster (Temporal server on its own PostgreSQL, SQL
// visibility, mutual TLS on the frontend) for trying the platform's production settings by hand. Prints the
// TEMPORAL_* variables a platform process needs; Ctrl-C stops it and deletes its data and certificates.
import { startTemporalCluster } from './temporal-cluster';

async function main(): Promise<void> {
  const started = Date.now();
  const cluster = await startTemporalCluster();
  process.stdout.write(
    `Temporal cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${cluster.logFile}).\n` +
      `Its PostgreSQL: ${cluster.postgres.url.replace(/\/temporal$/, '')}/{temporal,temporal_visibility}\n` +
      `Environment of a platform process:\n${Object.entries(cluster.env).map(([k, v]) => `  export ${k}=${v}`).join('\n')}\n` +
      'Press Ctrl-C to stop.\n',
  );
  const stop = () => {
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start the Temporal cluster: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
