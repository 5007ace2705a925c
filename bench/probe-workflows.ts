// Trivial workflows that measure the Temporal server's own ceilings for one-workflow-per-request (bench/requests.ts):
// a workflow with one activity, one with one local activity, and starts alone (nobody polls their task queue).
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface ProbeActivities {
  probeNothing(): Promise<void>;
}

const { probeNothing } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<ProbeActivities>({ startToCloseTimeout: '10 seconds' });

export async function probeOneActivity(): Promise<void> {
  await probeNothing();
}

export async function probeOneLocalActivity(): Promise<void> {
  await local.probeNothing();
}
