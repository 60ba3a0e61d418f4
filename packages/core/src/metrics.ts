/**
 * Counters per component (records in, out, dropped, dead-lettered, retries, errors, batches). Plain
 * numbers on plain objects: cheap enough to bump on every record. They never carry record content.
 */
export interface ComponentCounters {
  in: number;
  out: number;
  dropped: number;
  deadLettered: number;
  errors: number;
  retries: number;
  batches: number;
  batchRecordsMax: number;
  /** Sink only: ms between a record's event time and its durable write, for the last batch. */
  lagMs: number | null;
}

export interface MetricsSnapshot {
  components: Record<string, ComponentCounters>;
  totals: { read: number; written: number; dropped: number; deadLettered: number; inFlight: number };
}

export interface PipelineMetrics {
  component(id: string): ComponentCounters;
  snapshot(inFlight: number): MetricsSnapshot;
}

export function createPipelineMetrics(componentIds: readonly string[]): PipelineMetrics {
  const counters = new Map<string, ComponentCounters>();
  const component = (id: string) => {
    let c = counters.get(id);
    if (!c) {
      c = {
        in: 0,
        out: 0,
        dropped: 0,
        deadLettered: 0,
        errors: 0,
        retries: 0,
        batches: 0,
        batchRecordsMax: 0,
        lagMs: null,
      };
      counters.set(id, c);
    }
    return c;
  };
  for (const id of componentIds) component(id);
  const [sourceId] = componentIds;
  const sinkId = componentIds[componentIds.length - 1];
  return {
    component,
    snapshot(inFlight) {
      const components = Object.fromEntries([...counters].map(([id, c]) => [id, { ...c }]));
      const all = [...counters.values()];
      return {
        components,
        totals: {
          read: sourceId ? component(sourceId).in : 0,
          written: sinkId ? component(sinkId).out - component(sinkId).deadLettered : 0,
          dropped: all.reduce((n, c) => n + c.dropped, 0),
          deadLettered: all.reduce((n, c) => n + c.deadLettered, 0),
          inFlight,
        },
      };
    },
  };
}
