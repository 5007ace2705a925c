/**
 * Proves the time-skipping test server works without internet: it comes from scripts/install-tools.sh (or
 * TEMPORAL_TEST_SERVER_PATH) through common/temporal-binaries.ts. A workflow that sleeps one day must finish in
 * seconds of wall time.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createTimeSkippingEnvironment } from '../support/time-skipping';
import { sleeperWorkflow } from './fixtures/sleeper-workflow';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  ({ env, workflowBundle } = await createTimeSkippingEnvironment(require.resolve('./fixtures/sleeper-workflow')));
});

afterAll(async () => {
  await env?.teardown();
});

test('a workflow sleeping one day completes in seconds on the time-skipping server', async () => {
  const taskQueue = `smoke-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });

  const startedAt = Date.now();
  const serverTimeBefore = await env.currentTimeMs();
  const result = await worker.runUntil(
    env.client.workflow.execute(sleeperWorkflow, { args: ['awake'], taskQueue, workflowId: `sleeper-${randomUUID()}` }),
  );
  const wallMs = Date.now() - startedAt;
  const serverTimeAfter = await env.currentTimeMs();

  expect(result).toBe('awake');
  expect(wallMs).toBeLessThan(20_000);
  expect(serverTimeAfter - serverTimeBefore).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
});
