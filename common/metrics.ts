// The process's Prometheus metrics, on prom-client: one registry per process (per test platform in tests),
// with process and event-loop metrics, and the platform's counters, histograms and gauges. Metrics are
// created by name once: asking again for a name returns the same metric, so several parts (two adapters in one
// process) can share one.
import { collectDefaultMetrics, Counter as PromCounter, Gauge, Histogram, Registry } from 'prom-client';

type Labels = Record<string, string>;

/** A counter whose label names are given by the first use, as the hand-written counters were used. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly byName = new Map<string, unknown>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  private once<T>(name: string, create: () => T): T {
    const existing = this.byName.get(name);
    if (existing) return existing as T;
    const created = create();
    this.byName.set(name, created);
    return created;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.once(name, () => {
      // Label names may come with the first increment (the call sites predate prom-client).
      let counter: PromCounter | undefined = labelNames.length ? this.promCounter(name, help, labelNames) : undefined;
      return {
        inc: (labels: Labels = {}, by = 1) => {
          counter ??= this.promCounter(name, help, Object.keys(labels));
          counter.inc(labels, by);
        },
      };
    });
  }

  private promCounter(name: string, help: string, labelNames: readonly string[]): PromCounter {
    return new PromCounter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: number[]): Histogram {
    return this.once(name, () => new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: (gauge: Gauge) => void): Gauge {
    return this.once(
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames,
          registers: [this.registry],
          ...(collect
            ? {
                collect() {
                  collect(this);
                },
              }
            : {}),
        }),
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Seconds, from 5 ms to 2 min: HTTP calls and device exchanges (a device may take its whole response timeout). */
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Device commands per protocol and command: latency and outcome of each exchange, how many are in flight, and
 * how many wait in an adapter for a free lane (a batch's devices not yet started).
 */
export interface DeviceCommandMetrics {
  /** Marks one exchange as started; call the returned function with its outcome (OK, TIMEOUT, ...) when it ends. */
  start(protocol: string, command: string): (outcome: string) => void;
  queued(protocol: string, change: number): void;
}

export function deviceCommandMetrics(metrics: MetricsRegistry): DeviceCommandMetrics {
  const duration = metrics.histogram(
    'osgp_device_command_duration_seconds',
    'Device command exchanges: time from sending to the answer or failure, by protocol, command and outcome',
    ['protocol', 'command', 'outcome'],
    latencyBuckets,
  );
  const inFlight = metrics.gauge('osgp_device_commands_in_flight', 'Device command exchanges under way', ['protocol']);
  const queued = metrics.gauge('osgp_device_commands_queued', 'Device commands accepted by an adapter, waiting for a free lane', ['protocol']);
  return {
    start(protocol, command) {
      inFlight.inc({ protocol });
      const stop = duration.startTimer({ protocol, command });
      let ended = false;
      return (outcome) => {
        if (ended) return;
        ended = true;
        inFlight.dec({ protocol });
        stop({ outcome });
      };
    },
    queued(protocol, change) {
      queued.inc({ protocol }, change);
    },
  };
}
