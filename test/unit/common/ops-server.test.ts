import { deviceCommandMetrics, MetricsRegistry } from '../../../common/metrics';
import { startOpsServer, type OpsServer } from '../../../common/ops-server';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(metrics = new MetricsRegistry()) {
  server = await startOpsServer({ host: '127.0.0.1', port: 0, metrics, probeTimeoutMs: 200 });
  const url = (path: string) => `http://127.0.0.1:${server!.port}${path}`;
  return { server, url, metrics };
}

test('ready only once started, while every check passes, and not while stopping', async () => {
  const { server, url } = await start();
  let databaseUp = true;
  server.addReadinessCheck('database', async () => {
    if (!databaseUp) throw new Error('down');
  });
  server.addReadinessCheck('temporal', () => new Promise(() => undefined)); // never answers
  expect((await fetch(url('/health/live'))).status).toBe(200);
  const starting = await fetch(url('/health/ready'));
  expect(starting.status).toBe(503);
  expect(await starting.json()).toMatchObject({ status: 'starting' });

  server.markStarted();
  const hanging = await fetch(url('/health/ready'));
  expect(hanging.status).toBe(503);
  expect(await hanging.json()).toEqual({ status: 'degraded', checks: { database: 'ok', temporal: 'unavailable' } });

  server.addReadinessCheck('temporal', async () => undefined);
  expect((await fetch(url('/health/ready'))).status).toBe(200);
  databaseUp = false;
  expect(await (await fetch(url('/health/ready'))).json()).toMatchObject({ status: 'degraded', checks: { database: 'unavailable' } });
  databaseUp = true;
  server.markStopping();
  expect(await (await fetch(url('/health/ready'))).json()).toMatchObject({ status: 'stopping' });
  expect((await fetch(url('/elsewhere'))).status).toBe(404);
});

test('/metrics: the counters of the hand-written registry, device command latency, in flight and queued, process metrics', async () => {
  const { url, metrics } = await start();
  metrics.counter('osgp_db_statements_total', 'SQL statements').inc();
  metrics.counter('osgp_db_statements_total', 'SQL statements').inc({}, 2); // asked again: the same counter
  metrics.counter('osgp_device_messages_total', 'exchanges').inc({ protocol: 'OSLP', result: 'OK' });
  const commands = deviceCommandMetrics(metrics);
  const first = commands.start('OSLP', 'setLight');
  const second = commands.start('OSLP', 'setLight');
  commands.queued('OSLP', 5);
  commands.queued('OSLP', -2);
  first('OK');
  first('OK'); // ended once only

  const text = await (await fetch(url('/metrics'))).text();
  expect(text).toMatch(/^osgp_db_statements_total 3$/m);
  expect(text).toMatch(/^osgp_device_messages_total\{protocol="OSLP",result="OK"\} 1$/m);
  expect(text).toMatch(/^osgp_device_command_duration_seconds_count\{protocol="OSLP",command="setLight",outcome="OK"\} 1$/m);
  expect(text).toMatch(/^osgp_device_commands_in_flight\{protocol="OSLP"\} 1$/m);
  expect(text).toMatch(/^osgp_device_commands_queued\{protocol="OSLP"\} 3$/m);
  expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  second('TIMEOUT');
  expect(await (await fetch(url('/metrics'))).text()).toMatch(/^osgp_device_commands_in_flight\{protocol="OSLP"\} 0$/m);
});
