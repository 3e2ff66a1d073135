import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** The fleet primary's own metrics (docs/operations.md): its workers, their restarts, and its process metrics. */
export interface FleetMetrics {
  countRestart(): void;
  /** Aggregate the workers' metrics (as getMetricsAsJSON gave them) with the primary's into one exposition. */
  aggregate(workers: readonly MetricsJson[]): Promise<string>;
  readonly contentType: string;
}

export function createFleetMetrics(runningWorkers: () => number): FleetMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'xks_workers',
    help: 'Worker processes of xks serve --workers running now',
    registers,
    collect() {
      this.set(runningWorkers());
    },
  });
  const restarts = new Counter({ name: 'xks_worker_restarts_total', help: 'Workers that died and were restarted', registers });
  return {
    countRestart: () => restarts.inc(),
    // Counters and histograms are summed; gauges by their own aggregator (sum unless the metric says otherwise).
    aggregate: async (workers) => AggregatorRegistry.aggregate([...workers, await registry.getMetricsAsJSON()]).metrics(),
    contentType: registry.contentType,
  };
}

/** What a worker sent over IPC for a metrics request: the array getMetricsAsJSON made (checked for its shape). */
export function parseMetricsJson(value: unknown): MetricsJson {
  if (!Array.isArray(value)) throw new Error('a worker sent metrics that are not a list');
  for (const m of value) {
    if (typeof m !== 'object' || m === null || typeof (m as { name?: unknown }).name !== 'string' || !Array.isArray((m as { values?: unknown }).values)) {
      throw new Error('a worker sent a malformed metric');
    }
  }
  return value as MetricsJson;
}
