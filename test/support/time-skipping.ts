// One time-skipping test environment per test file (the Java test server, offline through
// common/temporal-binaries.ts) and the workflow code bundled once for it.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { timeSkippingServerOptions } from '../../common/temporal-binaries';
import { coreTaskQueue } from '../../core/protocols';

export const testLogger = new DefaultLogger('WARN');

async function createTimeSkippingEnvironment(
  workflowsPath: string,
): Promise<{ env: TestWorkflowEnvironment; workflowBundle: WorkflowBundleWithSourceMap }> {
  try {
    Runtime.install({ logger: testLogger });
  } catch {
    // A Runtime already exists in this process: keep its logger.
  }
  const [env, workflowBundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: timeSkippingServerOptions() }),
    bundleWorkflowCode({ workflowsPath, logger: testLogger }),
  ]);
  return { env, workflowBundle };
}

/** A worker on the suite's server; `runsWorkflows` gives it the suite's bundled workflows. */
export type TestWorkerOptions = Omit<WorkerOptions, 'connection' | 'workflowBundle' | 'workflowsPath'> & {
  runsWorkflows?: boolean;
};

/** An adapter's activity worker: its protocol's queue, its fake activities, any other worker option. */
export type AdapterWorkerOptions = Omit<TestWorkerOptions, 'runsWorkflows'>;

export interface TimeSkippingSuite {
  /** The test server; read it inside hooks and tests (it exists from beforeAll to afterAll). */
  readonly env: TestWorkflowEnvironment;
  readonly workflowBundle: WorkflowBundleWithSourceMap;
  /** Runs `run` while the given workers poll the server, and stops them when it settles. */
  runWorkers<T>(workers: readonly TestWorkerOptions[], run: () => Promise<T>): Promise<T>;
  /**
   * Runs `run` while the platform's two kinds of worker poll the server: the core worker (the bundled
   * workflows and the core activities) and one protocol adapter's activity worker.
   */
  runPlatformWorkers<T>(workers: { core: object; adapter: AdapterWorkerOptions }, run: () => Promise<T>): Promise<T>;
}

/**
 * Starts the time-skipping server and bundles `workflowsPath` before the file's tests, and tears the server
 * down after them. Call it at the top level of a test file.
 */
export function useTimeSkippingEnvironment(workflowsPath: string): TimeSkippingSuite {
  let current: { env: TestWorkflowEnvironment; workflowBundle: WorkflowBundleWithSourceMap } | undefined;
  const started: string[] = [];
  beforeAll(async () => {
    current = await createTimeSkippingEnvironment(workflowsPath);
    if (process.env.RECORD_HISTORIES) noteStartedWorkflows(current.env, started);
  });
  afterAll(async () => {
    if (current && process.env.RECORD_HISTORIES) await recordHistories(current.env, started, historiesDir);
    await current?.env.teardown();
  });
  const running = () => {
    if (!current) throw new Error('The time-skipping environment exists only inside hooks and tests');
    return current;
  };

  async function runWorkers<T>(workers: readonly TestWorkerOptions[], run: () => Promise<T>): Promise<T> {
    const { env, workflowBundle } = running();
    const created = await Promise.all(
      workers.map(({ runsWorkflows, ...options }) =>
        Worker.create({ ...options, connection: env.nativeConnection, ...(runsWorkflows ? { workflowBundle } : {}) }),
      ),
    );
    // Each worker runs until the next one (and finally `run`) is done: all poll while `run` goes on.
    return created.reduceRight<() => Promise<T>>((inner, worker) => () => worker.runUntil(inner), run)();
  }

  return {
    get env() {
      return running().env;
    },
    get workflowBundle() {
      return running().workflowBundle;
    },
    runWorkers,
    runPlatformWorkers({ core, adapter }, run) {
      // The queues the workflows route to (core/protocols.ts): the core queue for workflows and core
      // activities, the protocol's adapter queue for device commands. Fixed names, so each test starts its
      // own workers and waits for its own workflow only.
      return runWorkers([{ taskQueue: coreTaskQueue, runsWorkflows: true, activities: core }, adapter], run);
    },
  };
}

/** Where `npm run record-histories` keeps one closed history per workflow type (test/workflow/replay.test.ts). */
export const historiesDir = path.resolve(__dirname, '..', 'workflow', 'fixtures', 'histories');

/** Notes the id of every workflow the tests start (the test server cannot list workflows). */
function noteStartedWorkflows(env: TestWorkflowEnvironment, ids: string[]): void {
  const service = env.connection.workflowService;
  for (const method of ['startWorkflowExecution', 'signalWithStartWorkflowExecution'] as const) {
    const original = service[method].bind(service) as (request: { workflowId?: string | null }) => Promise<unknown>;
    (service as unknown as Record<string, unknown>)[method] = (request: { workflowId?: string | null }) => {
      if (request.workflowId) ids.push(request.workflowId);
      return original(request);
    };
  }
}

/**
 * Saves one history per workflow type the file's tests ran (children found through their parents' histories),
 * a completed run where there is one, else one still open (its history so far replays as well), for types
 * without a fixture yet; RECORD_HISTORIES=overwrite replaces fixtures.
 */
async function recordHistories(env: TestWorkflowEnvironment, startedIds: readonly string[], dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const overwrite = process.env.RECORD_HISTORIES === 'overwrite';
  const chosen = new Map<string, { workflowId: string; completed: boolean; history: temporal.api.history.v1.IHistory }>();
  const queue = [...new Set(startedIds)];
  const seen = new Set(queue);
  while (queue.length) {
    const workflowId = queue.shift() as string;
    const handle = env.client.workflow.getHandle(workflowId);
    const found = await withinSeconds(5, Promise.all([handle.describe(), handle.fetchHistory()]));
    if (!found) continue;
    const [description, history] = found;
    for (const event of history.events ?? []) {
      const childId = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      if (childId && !seen.has(childId)) {
        seen.add(childId);
        queue.push(childId);
      }
    }
    const completed = description.status.name === 'COMPLETED';
    // An open run replays too, unless a workflow task failed in it (the replay would fail the same way).
    const replayable = completed || (description.status.name === 'RUNNING' && !history.events?.some((e) => e.workflowTaskFailedEventAttributes));
    if (!replayable) continue;
    const earlier = chosen.get(description.type);
    if (!earlier || (completed && !earlier.completed)) chosen.set(description.type, { workflowId, completed, history });
  }
  for (const [type, { workflowId, history }] of chosen) {
    const file = path.join(dir, `${type}.json`);
    if (fs.existsSync(file) && !overwrite) continue;
    fs.writeFileSync(file, historyToFixture(workflowId, history) + '\n');
  }
}

/** The value, or undefined when it fails or takes longer than `seconds` (a server in a bad state after a failed test). */
async function withinSeconds<T>(seconds: number, value: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), seconds * 1000);
  });
  try {
    return await Promise.race([value.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

// Fixtures are protobufjs's plain-object form of the History message (enums by name, 64-bit integers and bytes
// as strings). Not the SDK's historyToJSON/historyFromJSON: with two copies of protobufjs installed (the
// project's 7.x beside the SDK's 8.x) those refuse the History type ("type must be a Type").
const HistoryMessage = temporal.api.history.v1.History;
const fixtureForm = { longs: String, enums: String, bytes: String } as const;

/** The workflow id is kept: workflows derive ids from it (a group request's children), so replay needs it. */
export function historyToFixture(workflowId: string, history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify({ workflowId, history: HistoryMessage.toObject(HistoryMessage.fromObject(history), fixtureForm) }, null, 1);
}

export function historyFromFixture(json: string): { workflowId: string; history: temporal.api.history.v1.History } {
  const { workflowId, history } = JSON.parse(json) as { workflowId: string; history: Record<string, unknown> };
  return { workflowId, history: HistoryMessage.fromObject(history) };
}
