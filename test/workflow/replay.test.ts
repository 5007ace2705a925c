/**
 * Replay safety: the recorded history of every workflow type (test/workflow/fixtures/histories, written by
 * `npm run record-histories`) replays against the current workflow code, bundled the way `npm run build`
 * bundles it and loaded from that file as production workers load it. A change that would break running
 * workflows (another command, order or timer) fails here. docs/changing-workflows.md says how to change one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Runtime, Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { writeWorkflowBundle } from '../../worker/workflow-bundle';
import { historiesDir, historyFromFixture, testLogger } from '../support/time-skipping';

jest.setTimeout(180_000);

const workflowTypes = Object.entries(workflows)
  .filter(([name, value]) => typeof value === 'function' && name.endsWith('Workflow'))
  .map(([name]) => name)
  .sort();

function readFixture(type: string): ReturnType<typeof historyFromFixture> {
  return historyFromFixture(fs.readFileSync(path.join(historiesDir, `${type}.json`), 'utf8'));
}

let bundleFile: string;

beforeAll(async () => {
  try {
    Runtime.install({ logger: testLogger });
  } catch {
    // A Runtime already exists in this process: keep its logger.
  }
  bundleFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-bundle-')), 'workflow-bundle.js');
  await writeWorkflowBundle(bundleFile);
});

afterAll(() => {
  if (bundleFile) fs.rmSync(path.dirname(bundleFile), { recursive: true, force: true });
});

/**
 * Types without a fixture yet, each with why; the test below fails on any other type without one (a new
 * workflow needs its fixture) and on a type listed here that has one (take it off the list).
 */
const notYetRecorded: Record<string, string> = {
  organisationNotificationsWorkflow: 'started by an activity (signalWithStart), which the recorder does not see',
  scheduledLightingWorkflow: 'started by a Temporal Schedule, which the time-skipping server lacks',
};

test('every workflow type the core worker registers has a recorded history', () => {
  expect(workflowTypes.length).toBeGreaterThan(20);
  const missing = workflowTypes.filter((type) => !fs.existsSync(path.join(historiesDir, `${type}.json`)));
  expect(missing.sort()).toEqual(Object.keys(notYetRecorded).sort());
});

test('every recorded history replays against the current workflow code, from the built bundle', async () => {
  const histories = workflowTypes
    .filter((type) => fs.existsSync(path.join(historiesDir, `${type}.json`)))
    .map((type) => readFixture(type));
  const failures: Array<{ workflowId: string; error: string }> = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundleFile } }, histories)) {
    if (result.error) failures.push({ workflowId: result.workflowId, error: String(result.error) });
  }
  expect(failures).toEqual([]);
  expect(histories.length).toBe(workflowTypes.length - Object.keys(notYetRecorded).length);
});

test('a history that no longer matches the code is refused as non-deterministic', async () => {
  // The code under replay is unchanged, so change the history instead: its first scheduled activity now
  // has another type, as if the workflow code had once called a different activity there.
  const type = workflowTypes.find((t) => {
    const { history } = readFixture(t);
    return history.events?.some((e) => e.activityTaskScheduledEventAttributes);
  });
  expect(type).toBeDefined();
  const { workflowId, history } = readFixture(type as string);
  const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes;
  if (!scheduled?.activityType) throw new Error('no scheduled activity');
  scheduled.activityType.name = `${scheduled.activityType.name}Renamed`;
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: bundleFile } }, history, workflowId),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
