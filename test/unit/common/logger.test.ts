import { createLogger, temporalLogger } from '../../../common/logger';

function capture(minimum: 'debug' | 'info' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ component: 'test' }, minimum, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { logger, lines };
}

test('each record is one JSON line with time, level, message and the bound and given fields', () => {
  const { logger, lines } = capture();
  logger.child({ device: 'SSLD-1' }).warn('device command failed', { correlationUid: 'c-1', error: new TypeError('boom') });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    level: 'warn',
    message: 'device command failed',
    component: 'test',
    device: 'SSLD-1',
    correlationUid: 'c-1',
    error: { name: 'TypeError', message: 'boom' },
  });
  expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
});

test('records below the minimum level are dropped', () => {
  const { logger, lines } = capture('info');
  logger.debug('noise');
  logger.info('kept');
  expect(lines.map((l) => l.message)).toEqual(['kept']);
});

test("the Temporal SDK's records come out in the same format, from its minimum level, with the correlation uid", () => {
  const { logger, lines } = capture('debug');
  const sdk = temporalLogger(logger, 'WARN');
  sdk.info('Worker state changed', { state: 'RUNNING' });
  sdk.warn('Activity failed', { workflowId: 'corr-42', activityType: 'executeDeviceCommand', level: 'WARN' });
  sdk.log('ERROR', 'Workflow failed', { workflowId: 'corr-43' });
  expect(lines).toEqual([
    expect.objectContaining({ level: 'warn', message: 'Activity failed', source: 'temporal', correlationUid: 'corr-42', activityType: 'executeDeviceCommand' }),
    expect.objectContaining({ level: 'error', message: 'Workflow failed', correlationUid: 'corr-43' }),
  ]);
  expect(lines[0]).not.toHaveProperty('level', 'WARN');
});
