// Temporal SDK worker state as Prometheus gauges, read from each worker's status when /metrics is scraped
// (one port per process, no second exporter), and each worker's readiness: its state is RUNNING.
import type { Worker } from '@temporalio/worker';
import type { MetricsRegistry } from '../common/metrics';

type WatchedWorkers = Map<string, Worker>;
const watchedByRegistry = new WeakMap<MetricsRegistry, WatchedWorkers>();

function watchedWorkers(metrics: MetricsRegistry): WatchedWorkers {
  let watched = watchedByRegistry.get(metrics);
  if (watched) return watched;
  watched = new Map();
  watchedByRegistry.set(metrics, watched);
  const workers = watched;
  const gauge = (name: string, help: string, read: (status: ReturnType<Worker['getStatus']>) => number) =>
    metrics.gauge(name, help, ['task_queue'], (g) => {
      g.reset();
      for (const [taskQueue, worker] of workers) g.set({ task_queue: taskQueue }, read(worker.getStatus()));
    });
  gauge('osgp_temporal_worker_running', 'Temporal worker polling its task queue (1) or not (0)', (s) => (s.runState === 'RUNNING' ? 1 : 0));
  gauge('osgp_temporal_worker_activities_in_flight', 'Activities the worker is executing', (s) => s.numInFlightActivities);
  gauge('osgp_temporal_worker_workflow_activations_in_flight', 'Workflow activations the worker is processing', (s) => s.numInFlightWorkflowActivations);
  gauge('osgp_temporal_worker_cached_workflows', 'Workflows held in the worker cache', (s) => s.numCachedWorkflows);
  gauge('osgp_temporal_worker_heartbeating_activities', 'Activities heartbeating', (s) => s.numHeartbeatingActivities);
  return watched;
}

/** Adds `worker` to the process's metrics; returns its readiness check. */
export function watchWorker(metrics: MetricsRegistry, worker: Worker): () => Promise<void> {
  const taskQueue = worker.options.taskQueue;
  watchedWorkers(metrics).set(taskQueue, worker);
  return async () => {
    const state = worker.getState();
    if (state !== 'RUNNING') throw new Error(`worker on ${taskQueue} is ${state}`);
  };
}
