// Every platform process (api, worker, each adapter, or all of them in one) serves its health and metrics on
// a port of its own (METRICS_PORT), so orchestrators and Prometheus reach workers and adapters too:
//   /health/live   200 while the process's event loop answers (restart it when this fails);
//   /health/ready  200 once started and while every readiness check passes (database, Temporal, workers
//                  running), else 503;
//   /metrics       the Prometheus text exposition of the process's registry.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsRegistry } from './metrics';

export type ProbeOutcome = 'ok' | 'unavailable';

/** 'ok' when the check succeeds within `timeoutMs`; a check that fails or is still waiting then is 'unavailable'. */
export async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), timeoutMs);
  });
  const outcome = Promise.resolve()
    .then(check)
    .then(
      () => 'ok' as const,
      () => 'unavailable' as const,
    );
  try {
    return await Promise.race([outcome, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsServerOptions {
  host: string;
  /** 0 picks a free port (tests); the caller leaves the server out entirely when it is off. */
  port: number;
  metrics: MetricsRegistry;
  /** How long one readiness check may take before it counts as unavailable; default 2 s. */
  probeTimeoutMs?: number;
}

export interface OpsServer {
  readonly host: string;
  readonly port: number;
  /** A named check /health/ready runs; it passes when the promise resolves in time. */
  addReadinessCheck(name: string, check: () => Promise<unknown>): void;
  /** Start-up is complete: /health/ready answers 503 until this is called. */
  markStarted(): void;
  /** From now on /health/ready answers 503 (the process is stopping: take it out of rotation). */
  markStopping(): void;
  stop(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const checks = new Map<string, () => Promise<unknown>>();
  const probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  let started = false;
  let stopping = false;

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'METHOD_NOT_ALLOWED' });
    if (url === '/health/live') return json(res, 200, { status: 'ok' });
    if (url === '/health/ready') {
      void Promise.all([...checks].map(async ([name, check]) => [name, await probe(check, probeTimeoutMs)] as const)).then((results) => {
        const outcome = Object.fromEntries(results);
        const ready = started && !stopping && results.every(([, o]) => o === 'ok');
        const status = ready ? 'ok' : stopping ? 'stopping' : started ? 'degraded' : 'starting';
        json(res, ready ? 200 : 503, { status, checks: outcome });
      });
      return;
    }
    if (url === '/metrics') {
      options.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text),
        (error: unknown) => json(res, 500, { error: 'INTERNAL', message: String(error) }),
      );
      return;
    }
    json(res, 404, { error: 'NOT_FOUND', message: 'Use /health/live, /health/ready or /metrics' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: options.host,
    port,
    addReadinessCheck(name, check) {
      checks.set(name, check);
    },
    markStarted() {
      started = true;
    },
    markStopping() {
      stopping = true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
