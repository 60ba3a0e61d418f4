/** Pipeline behaviour with in-process test plugins and the SQLite state store (in memory). */
import { describe, expect, it } from 'vitest';
import { arraySource, message, recordingSink } from '../test/helpers.js';
import { FatalError, PermanentError, RetryableError } from './errors.js';
import { silentLogger } from './logging.js';
import { createPipeline, type PipelineSpec, type PipelineTransform } from './pipeline.js';
import { createServiceRegistry, type PluginContext, type RecordTransform, type SinkInstance } from './plugin.js';
import type { SluiceRecord } from './records.js';
import { createMemoryStateStore, type StateStore } from './state.js';

function ctx(state: StateStore): PluginContext {
  return {
    tenant: 't1',
    componentId: 'x',
    baseDir: '.',
    logger: silentLogger(),
    state,
    services: createServiceRegistry(),
    signal: new AbortController().signal,
    audit: async () => undefined,
  };
}

function transform(state: StateStore, id: string, fn: RecordTransform, privacy = true): PipelineTransform {
  return { id, type: id, privacy, fn, ctx: ctx(state) };
}

function spec(
  state: StateStore,
  source: PipelineSpec['source']['instance'],
  sink: SinkInstance,
  transforms: PipelineTransform[] = [],
  options: PipelineSpec['options'] = {},
): PipelineSpec {
  return {
    tenant: 't1',
    pipelineId: 't1/main',
    source: { id: 'source', instance: source },
    transforms,
    sink: { id: 'sink', instance: sink },
    state,
    logger: silentLogger(),
    options: { batch: { maxRecords: 10, maxMs: 5 }, ...options },
  };
}

describe('Pipeline', () => {
  it('delivers every record once and checkpoints the last one', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink();
    const summary = await createPipeline(spec(state, arraySource(95), sink)).run();
    expect(sink.written.map((r) => r.key)).toEqual(Array.from({ length: 95 }, (_, i) => message(i).key));
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(94);
    expect(summary.metrics.totals).toMatchObject({ read: 95, written: 95, deadLettered: 0, inFlight: 0 });
    expect(Math.max(...sink.batches)).toBeLessThanOrEqual(10);
  });

  it('resumes after the committed checkpoint on the next run', async () => {
    const state = createMemoryStateStore();
    await state.saveCheckpoints('t1/main', new Map([['C1', 49]]));
    const sink = recordingSink();
    await createPipeline(spec(state, arraySource(60), sink)).run();
    expect(sink.written.map((r) => (r as { ts: string }).ts)).toEqual(
      Array.from({ length: 10 }, (_, i) => message(50 + i).ts),
    );
  });

  it('sends a record whose transform throws to dead letters, withholding its text, and goes on', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink();
    const boom = transform(state, 'transforms[0]', function explodeOnSeven(record) {
      if (record.kind === 'message' && record.ts === message(7).ts) throw new Error(`bad ${record.text}`);
      return record;
    });
    await createPipeline(spec(state, arraySource(20), sink, [boom])).run();
    expect(sink.written).toHaveLength(19);
    const dead = await state.listDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ stage: 'transform', component: 'transforms[0]', code: 'transform_failed' });
    expect(JSON.stringify(dead[0])).not.toContain('alice@example.com');
    expect(dead[0]!.message).not.toContain('alice');
    expect(dead[0]!.record).toMatchObject({ key: message(7).key, _withheld: ['text'] });
    expect(dead[0]!.record).not.toHaveProperty('text');
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(19);
  });

  it('keeps in a dead letter the record as the privacy chain left it when a later step fails', async () => {
    const state = createMemoryStateStore();
    const redact = transform(state, 'transforms[0]', (r) => ({ ...r, text: '[redacted]' }) as SluiceRecord);
    const enrich = transform(
      state,
      'transforms[1]',
      () => {
        throw new PermanentError('plugin_error', 'enrichment failed');
      },
      false,
    );
    await createPipeline(spec(state, arraySource(1), recordingSink(), [redact, enrich])).run();
    const [dead] = await state.listDeadLetters();
    expect(dead).toMatchObject({ code: 'plugin_error', message: 'enrichment failed', component: 'transforms[1]' });
    expect(dead!.record).toMatchObject({ text: '[redacted]' });
  });

  it('acks dropped records so the checkpoint moves past them', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink();
    const dropAll = transform(state, 'transforms[0]', () => null);
    const summary = await createPipeline(spec(state, arraySource(30), sink, [dropAll])).run();
    expect(sink.written).toHaveLength(0);
    expect(summary.metrics.totals.dropped).toBe(30);
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(29);
  });

  it('never saves a checkpoint past a record the sink has not durably written', async () => {
    const state = createMemoryStateStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: number[] = [];
    const sink = recordingSink(async (batch, call) => {
      if (call === 1) {
        // While batch #2 is being written, the saved checkpoint must not cover any of it.
        const saved = (await state.loadCheckpoints('t1/main')).get('C1');
        seen.push(typeof saved === 'number' ? saved : -1);
        await gate;
      }
      void batch;
    });
    const running = createPipeline(spec(state, arraySource(30), sink)).run();
    await new Promise((r) => setTimeout(r, 50));
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(9);
    release();
    await running;
    expect(seen).toEqual([9]);
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(29);
  });

  it('bounds the records in flight while the sink is slow', async () => {
    const state = createMemoryStateStore();
    const pulled = { n: 0 };
    let maxGap = 0;
    const sink = recordingSink(async () => {
      maxGap = Math.max(maxGap, pulled.n - sink.written.length);
      await new Promise((r) => setTimeout(r, 2));
    });
    await createPipeline(
      spec(state, arraySource(500, { pulled }), sink, [], { maxInFlight: 25, batch: { maxRecords: 10, maxMs: 1 } }),
    ).run();
    expect(sink.written).toHaveLength(500);
    expect(maxGap).toBeLessThanOrEqual(26);
  });

  it('isolates records the sink rejects permanently and writes the rest', async () => {
    const state = createMemoryStateStore();
    const written: string[] = [];
    const sink: SinkInstance = {
      async write(batch) {
        if (batch.some((r) => r.key === message(3).key)) throw new PermanentError('sink_record_rejected', 'bad row');
        written.push(...batch.map((r) => r.key));
        return undefined;
      },
    };
    await createPipeline(spec(state, arraySource(10), sink)).run();
    expect(written.sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => message(i).key)
        .filter((k) => k !== message(3).key)
        .sort(),
    );
    const dead = await state.listDeadLetters();
    expect(dead.map((d) => [d.stage, d.recordKey])).toEqual([['sink', message(3).key]]);
  });

  it('retries retryable sink errors and then succeeds', async () => {
    const state = createMemoryStateStore();
    let failures = 2;
    const sink = recordingSink(() => {
      if (failures-- > 0) throw new RetryableError('upstream_unavailable', 'try later', { retryAfterMs: 1 });
    });
    const summary = await createPipeline(
      spec(state, arraySource(5), sink, [], { sinkRetry: { initialDelayMs: 1, maxDelayMs: 2 } }),
    ).run();
    expect(sink.written).toHaveLength(5);
    expect(summary.metrics.components.sink!.retries).toBe(2);
  });

  it('stops on a fatal sink error with only acked records checkpointed', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink((_batch, call) => {
      if (call === 2) throw new FatalError('key_disabled', 'the CMEK key is disabled');
    });
    const run = createPipeline(spec(state, arraySource(50), sink)).run();
    await expect(run).rejects.toMatchObject({ code: 'key_disabled' });
    await expect(run).rejects.toBeInstanceOf(FatalError);
    expect(sink.written).toHaveLength(20);
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(19);
    const audit = await state.listAudit({ action: 'pipeline_failed' });
    expect(audit).toHaveLength(1);
  });

  it('dead-letters records that do not match the record schema', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink();
    const make = (i: number) => (i === 2 ? ({ ...message(i), posted_at: 'yesterday' } as SluiceRecord) : message(i));
    await createPipeline(spec(state, arraySource(4, { make }), sink)).run();
    expect(sink.written).toHaveLength(3);
    const [dead] = await state.listDeadLetters();
    expect(dead).toMatchObject({ stage: 'source', code: 'record_invalid' });
    expect(dead!.message).toContain('/posted_at');
  });

  it('drains in-flight records and saves checkpoints when stopped', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink(async () => {
      await new Promise((r) => setTimeout(r, 1));
    });
    const endless = {
      async *read({ signal }: { signal: AbortSignal }) {
        for (let i = 0; !signal.aborted; i++) {
          yield { record: message(i), position: { partition: 'C1', checkpoint: i } };
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 0));
        }
      },
    };
    const pipeline = createPipeline(spec(state, endless, sink, [], { mode: 'follow', maxInFlight: 100 }));
    const running = pipeline.run();
    await new Promise((r) => setTimeout(r, 50));
    await pipeline.stop();
    const summary = await running;
    expect(summary.outcome).toBe('stopped');
    const checkpoint = (await state.loadCheckpoints('t1/main')).get('C1') as number;
    expect(checkpoint).toBe(sink.written.length - 1);
    expect(summary.metrics.totals.inFlight).toBe(0);
  });

  it('gives up after the shutdown deadline when the sink hangs, keeping only acked work', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink((_batch, call) => (call === 1 ? new Promise<void>(() => undefined) : undefined));
    const pipeline = createPipeline(spec(state, arraySource(100), sink, [], { shutdownDeadlineMs: 100 }));
    const running = pipeline.run();
    await new Promise((r) => setTimeout(r, 50));
    await pipeline.stop();
    await expect(running).rejects.toMatchObject({ code: 'shutdown_deadline_exceeded' });
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBe(9);
  });

  it('stops, without acking, when a transform keeps failing with retryable errors', async () => {
    const state = createMemoryStateStore();
    const sink = recordingSink();
    const flaky = transform(state, 'transforms[0]', (record) => {
      if (record.kind === 'message' && record.ts === message(3).ts) {
        throw new RetryableError('upstream_unavailable', 'the key service is down', { retryAfterMs: 1 });
      }
      return record;
    });
    const run = createPipeline(spec(state, arraySource(10), sink, [flaky], { transformAttempts: 2 })).run();
    await expect(run).rejects.toMatchObject({ code: 'transform_failed', component: 'transforms[0]' });
    expect(await state.listDeadLetters()).toEqual([]);
    const saved = (await state.loadCheckpoints('t1/main')).get('C1');
    expect(saved === undefined || (saved as number) < 3).toBe(true);
  });

  it('keeps saving checkpoints after one save failed', async () => {
    const state = createMemoryStateStore();
    let failures = 1;
    const flakyState: StateStore = {
      ...state,
      loadCheckpoints: (p) => state.loadCheckpoints(p),
      appendAudit: (t, e) => state.appendAudit(t, e),
      appendDeadLetter: (e) => state.appendDeadLetter(e),
      async saveCheckpoints(pipeline, checkpoints) {
        if (failures-- > 0) throw new FatalError('state_store_failed', 'disk full');
        return state.saveCheckpoints(pipeline, checkpoints);
      },
    };
    const run = createPipeline({ ...spec(flakyState, arraySource(30), recordingSink()) }).run();
    await expect(run).rejects.toMatchObject({ code: 'state_store_failed' });
    // The final save after the failure still records what was acked.
    expect((await state.loadCheckpoints('t1/main')).get('C1')).toBeGreaterThanOrEqual(9);
  });

  it('keeps only the envelope of a record that failed validation in its dead letter', async () => {
    const state = createMemoryStateStore();
    const make = (i: number) =>
      ({
        ...message(i),
        reactions: [{ name: 'x', count: 1, users: ['U1'], comment: 'call +1 415 555 0100' }],
      }) as unknown as SluiceRecord;
    await createPipeline(spec(state, arraySource(1, { make }), recordingSink())).run();
    const [dead] = await state.listDeadLetters();
    expect(dead).toMatchObject({ code: 'record_invalid' });
    expect(JSON.stringify(dead!.record)).not.toMatch(/555|alice/);
    expect(dead!.record).toMatchObject({ kind: 'message', key: message(0).key });
  });
});
