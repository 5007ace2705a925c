// One time-skipping test environment per test file (the Java test server, offline through
// common/temporal-binaries.ts) and the workflow code bundled once for it.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { timeSkippingServerOptions } from '../../common/temporal-binaries';

export const testLogger = new DefaultLogger('WARN');

export async function createTimeSkippingEnvironment(
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
