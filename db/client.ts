// Opens the platform database: PostgreSQL when DATABASE_URL is given, otherwise an embedded PGlite
// (PostgreSQL compiled to WASM, in this process) under the data directory. Both are reached through Prisma
// driver adapters, so no Prisma engine binary is needed at run time.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg, { Client as PgClient } from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient, Prisma } from '../generated/prisma/client';

export interface Database {
  prisma: PrismaClient;
  /** Runs a script of several SQL statements (migrations). */
  execScript(sql: string): Promise<void>;
  /** Human-readable location, for start-up messages; never contains a password. */
  description: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  /** Where the embedded database keeps its files when no URL is given. */
  embeddedDir: string;
  poolSize?: number;
  /** TLS to PostgreSQL (node-postgres `ssl`): the CA the server's certificate is checked against. */
  ssl?: { ca: string; rejectUnauthorized: boolean };
  /** A connection PostgreSQL ended (restart, failover); the pool replaces it. Default: a line on stderr. */
  onConnectionError?: (error: Error) => void;
  /** Called for every SQL statement Prisma sends (the platform counts them in /metrics: statements per request). */
  onStatement?: () => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const onStatement = options.onStatement ?? (() => undefined);
  const onConnectionError =
    options.onConnectionError ?? ((error: Error) => process.stderr.write(`PostgreSQL connection lost (the pool reconnects): ${error.message}\n`));
  return options.url
    ? openPostgres(options.url, options.poolSize ?? 10, options.ssl, onStatement, onConnectionError)
    : openEmbedded(options.embeddedDir, onStatement);
}

/** Prisma emits 'query' events (one per statement) only when its log option asks for them. */
const statementEvents = [{ emit: 'event', level: 'query' }] as const;

async function openPostgres(
  url: string,
  poolSize: number,
  ssl: DatabaseOptions['ssl'],
  onStatement: () => void,
  onConnectionError: (error: Error) => void,
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, ...(ssl ? { ssl } : {}) });
  // When PostgreSQL ends a connection (stopped, restarted, failed over) its client emits 'error'; one checked out
  // of the pool between two statements has no listener of the pool's, and an unheard 'error' ends the process
  // (the adapters and workers died this way in the cluster test's database outage). The statement in flight
  // fails on its own (its activity is retried) and the pool opens a new connection for the next one.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', onConnectionError);
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    log: [...statementEvents],
  });
  prisma.$on('query', onStatement);
  const parsed = new URL(url);
  return {
    prisma,
    description: `postgresql://${parsed.host}${parsed.pathname}`,
    async execScript(sql) {
      // The simple query protocol runs several statements at once, which Prisma's raw queries do not.
      const client = new PgClient({ connectionString: url, ...(ssl ? { ssl } : {}) });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    close: () => prisma.$disconnect(),
  };
}

async function openEmbedded(dir: string, onStatement: () => void): Promise<Database> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const releaseLock = lockEmbeddedDatabase(dir);
  const pglite = await PGlite.create(dir).catch((error: unknown) => {
    releaseLock();
    throw error;
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), log: [...statementEvents] });
  prisma.$on('query', onStatement);
  return {
    prisma,
    description: `embedded PGlite at ${dir}`,
    execScript: async (sql) => {
      await pglite.exec(sql);
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      releaseLock();
    },
  };
}

/**
 * PGlite is a database inside one process: a second process opening the same files would corrupt them.
 * A lock file with the owner's pid refuses that, and a lock left by a process that died is taken over.
 */
function lockEmbeddedDatabase(dir: string): () => void {
  const lockFile = `${dir}.lock`;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lockFile, 'utf8'));
      if (owner && isAlive(owner)) {
        throw new Error(
          `The embedded database ${dir} is in use by process ${owner} (is the platform running?). ` +
            'Stop it first, or set DATABASE_URL to a PostgreSQL server that several processes can share.',
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
