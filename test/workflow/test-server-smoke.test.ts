/**
 * Proves the time-skipping test server works without internet: it comes from scripts/install-tools.sh (or
 * TEMPORAL_TEST_SERVER_PATH) through common/temporal-binaries.ts. A workflow that sleeps one day must finish in
 * seconds of wall time.
 */
import { randomUUID } from 'node:crypto';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { sleeperWorkflow } from './fixtures/sleeper-workflow';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(require.resolve('./fixtures/sleeper-workflow'));

test('a workflow sleeping one day completes in seconds on the time-skipping server', async () => {
  const taskQueue = `smoke-${randomUUID()}`;
  // Wall and server time are taken around the workflow alone, once its worker is polling.
  const { result, wallMs, serverMs } = await suite.runWorkers([{ taskQueue, runsWorkflows: true }], async () => {
    const startedAt = Date.now();
    const serverTimeBefore = await suite.env.currentTimeMs();
    const value = await suite.env.client.workflow.execute(sleeperWorkflow, { args: ['awake'], taskQueue, workflowId: `sleeper-${randomUUID()}` });
    return { result: value, wallMs: Date.now() - startedAt, serverMs: (await suite.env.currentTimeMs()) - serverTimeBefore };
  });

  expect(result).toBe('awake');
  expect(wallMs).toBeLessThan(20_000);
  expect(serverMs).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
});
