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
  beforeAll(async () => {
    current = await createTimeSkippingEnvironment(workflowsPath);
  });
  afterAll(async () => {
    await current?.env.teardown();
  });
  const started = () => {
    if (!current) throw new Error('The time-skipping environment exists only inside hooks and tests');
    return current;
  };

  async function runWorkers<T>(workers: readonly TestWorkerOptions[], run: () => Promise<T>): Promise<T> {
    const { env, workflowBundle } = started();
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
      return started().env;
    },
    get workflowBundle() {
      return started().workflowBundle;
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
