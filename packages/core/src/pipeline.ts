/**
 * The pipeline: source → transforms → batched sink, composed with RxJS, with acknowledgements flowing
 * back to a capped checkpointer. The source is pulled one item at a time and only while the
 * checkpointer has room (RxJS alone has no backpressure), so memory is bounded by `maxInFlight` however
 * slow the sink is. Each record is isolated: a transform or sink failure specific to one record sends it
 * to dead letters (redacted) and acks it; a fatal failure stops the pipeline with acked work checkpointed.
 */
import { concatMap, Observable } from 'rxjs';
import { batchRecords } from './batching.js';
import { CappedCheckpointer, type CheckpointTicket } from './checkpointer.js';
import { concurrentMap } from './concurrent-map.js';
import { redactForDeadLetter } from './dead-letters.js';
import { FatalError, isSluiceError, PermanentError, type RetryableError, safeErrorMessage } from './errors.js';
import type { Logger } from './logging.js';
import { createPipelineMetrics, type MetricsSnapshot, type PipelineMetrics } from './metrics.js';
import type { Json, PluginContext, RecordTransform, SinkInstance, SourceInstance, SourceItem } from './plugin.js';
import { validateRecord } from './record-validation.js';
import type { RecordKind, SluiceRecord } from './records.js';
import type { StateStore } from './state.js';

export interface BatchOptions {
  /** Flush when the batch holds this many records. */
  maxRecords: number;
  /** Flush when the batch's JSON size reaches this many bytes. */
  maxBytes: number;
  /** Flush this long after the first record entered an empty batch. */
  maxMs: number;
}

export interface RetryOptions {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface PipelineOptions {
  /** Records read but not yet durably handled, across partitions: the memory bound. */
  maxInFlight: number;
  /** Records transformed concurrently (matters for async transforms). */
  transformConcurrency: number;
  batch: BatchOptions;
  sinkRetry: RetryOptions;
  /** Attempts for a transform that throws a RetryableError before the pipeline stops (fatal). */
  transformAttempts: number;
  /** `stop()` waits this long for in-flight records to drain before giving up. */
  shutdownDeadlineMs: number;
  /** Validate source records against `schemas/records` (invalid ones are dead-lettered). */
  validateRecords: boolean;
  mode: 'until-caught-up' | 'follow';
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  maxInFlight: 10_000,
  transformConcurrency: 16,
  batch: { maxRecords: 1_000, maxBytes: 4 * 1024 * 1024, maxMs: 500 },
  sinkRetry: { maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 30_000 },
  transformAttempts: 5,
  shutdownDeadlineMs: 30_000,
  validateRecords: true,
  mode: 'until-caught-up',
};

export interface PipelineTransform {
  id: string;
  type: string;
  privacy: boolean;
  fn: RecordTransform;
  ctx: PluginContext;
}

export interface PipelineSpec {
  tenant: string;
  /** `<tenant>/<name>`: checkpoints and dead letters are stored under it. */
  pipelineId: string;
  source: { id: string; instance: SourceInstance };
  transforms: readonly PipelineTransform[];
  sink: { id: string; instance: SinkInstance };
  state: StateStore;
  logger: Logger;
  options?: Partial<Omit<PipelineOptions, 'batch' | 'sinkRetry'>> & {
    batch?: Partial<BatchOptions>;
    sinkRetry?: Partial<RetryOptions>;
  };
}

export interface PipelineSummary {
  outcome: 'completed' | 'stopped';
  metrics: MetricsSnapshot;
}

/** A record in flight, with what the core needs to ack it and to dead-letter it safely. */
interface Envelope {
  record: SluiceRecord;
  ticket: CheckpointTicket;
  item: SourceItem;
  /** The record after the last successful privacy transform, once the privacy chain completed. */
  protectedRecord: SluiceRecord | null;
  bytes: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Pipeline {
  readonly id: string;
  readonly tenant: string;
  private readonly spec: PipelineSpec;
  private readonly options: PipelineOptions;
  private readonly checkpointer: CappedCheckpointer;
  private readonly metricsState: PipelineMetrics;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private readonly lastPrivacyIndex: number;
  private running = false;
  private stopping = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private savePromise: Promise<void> = Promise.resolve();
  private pendingDone: Array<() => void | Promise<void>> = [];

  constructor(spec: PipelineSpec) {
    this.spec = spec;
    this.id = spec.pipelineId;
    this.tenant = spec.tenant;
    const o = spec.options ?? {};
    this.options = {
      ...DEFAULT_PIPELINE_OPTIONS,
      ...o,
      batch: { ...DEFAULT_PIPELINE_OPTIONS.batch, ...o.batch },
      sinkRetry: { ...DEFAULT_PIPELINE_OPTIONS.sinkRetry, ...o.sinkRetry },
    } as PipelineOptions;
    this.checkpointer = new CappedCheckpointer(this.options.maxInFlight);
    this.metricsState = createPipelineMetrics([spec.source.id, ...spec.transforms.map((t) => t.id), spec.sink.id]);
    this.log = spec.logger.child({ pipeline: spec.pipelineId });
    this.lastPrivacyIndex = spec.transforms.reduce((last, t, i) => (t.privacy ? i : last), -1);
  }

  /** Aborted when the pipeline stops; plugin contexts should share it. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Counters per component, records in flight and checkpoint state. */
  metrics(): MetricsSnapshot {
    return this.metricsState.snapshot(this.checkpointer.size);
  }

  /**
   * Runs until the source ends (`until-caught-up`) or `stop()` is called. Resolves once everything read
   * was durably handled and checkpoints are saved; rejects with the fatal error that stopped it.
   */
  async run(): Promise<PipelineSummary> {
    if (this.running) throw new FatalError('pipeline_failed', 'pipeline is already running');
    this.running = true;
    const { state } = this.spec;
    let failure: unknown;
    try {
      const checkpoints = await state.loadCheckpoints(this.id);
      await state.appendAudit(this.tenant, {
        action: 'pipeline_started',
        actor: 'pipeline',
        subject: this.id,
        details: { mode: this.options.mode, partitionsResumed: checkpoints.size },
      });
      this.log.info({ partitionsResumed: checkpoints.size, mode: this.options.mode }, 'pipeline started');
      await new Promise<void>((resolve, reject) => {
        this.build(checkpoints).subscribe({ complete: resolve, error: reject });
      });
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(this.saveTimer);
      clearTimeout(this.deadlineTimer);
      this.abort.abort();
    }
    try {
      await this.saveCheckpoints();
    } catch (error) {
      failure ??= error;
    }
    await this.closeComponents(this.deadlineHit ? 2_000 : this.options.shutdownDeadlineMs);
    this.running = false;
    const metrics = this.metrics();
    const outcome = this.stopping ? 'stopped' : 'completed';
    await state
      .appendAudit(this.tenant, {
        action: failure ? 'pipeline_failed' : 'pipeline_finished',
        actor: 'pipeline',
        subject: this.id,
        details: {
          outcome: failure ? 'failed' : outcome,
          code: failure && isSluiceError(failure) ? failure.code : null,
          ...metrics.totals,
        },
      })
      .catch(() => undefined);
    if (failure) {
      const error = isSluiceError(failure)
        ? failure
        : new FatalError('pipeline_failed', `pipeline failed: ${safeErrorMessage(failure)}`, { cause: failure });
      this.log.error({ code: error.code, component: error.component }, error.message);
      throw error;
    }
    this.log.info(metrics.totals, `pipeline ${outcome}`);
    return { outcome, metrics };
  }

  /**
   * Stops reading, drains what is in flight, flushes the sink and saves checkpoints. Past the shutdown
   * deadline it gives up on the rest: unacked records are simply read again on the next run.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('stopping: draining in-flight records');
    this.abort.abort();
    this.deadlineTimer = setTimeout(() => {
      this.deadlineHit = true;
      this.log.warn({ inFlight: this.checkpointer.size }, 'shutdown deadline exceeded; abandoning in-flight records');
      this.fail?.(new FatalError('shutdown_deadline_exceeded', 'shutdown deadline exceeded with records in flight'));
    }, this.options.shutdownDeadlineMs);
    this.deadlineTimer.unref();
  }

  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineHit = false;

  /** Ends the run with an error from outside the stream (deadline, background checkpoint save). */
  private fail: ((error: unknown) => void) | undefined;

  private build(checkpoints: ReadonlyMap<string, Json>): Observable<unknown> {
    const source$ = this.readSource(checkpoints);
    const { batch } = this.options;
    return new Observable<unknown>((subscriber) => {
      this.fail = (error) => subscriber.error(error);
      const inner = source$
        .pipe(
          concurrentMap((env: Envelope) => this.runChain(env, 0), this.options.transformConcurrency),
          batchRecords<Envelope>(batch, (env) => env.bytes),
          concatMap((envs) => this.writeBatch(envs)),
        )
        .subscribe(subscriber);
      return () => inner.unsubscribe();
    });
  }

  /** Pulls the source only while the checkpointer has room. */
  private readSource(checkpoints: ReadonlyMap<string, Json>): Observable<Envelope> {
    const { source } = this.spec;
    const metrics = this.metricsState.component(source.id);
    return new Observable<Envelope>((subscriber) => {
      const signal = this.abort.signal;
      const iterator = source.instance.read({ checkpoints, mode: this.options.mode, signal })[Symbol.asyncIterator]();
      // One waiter at a time, woken by abort: racing every read against a shared never-settling promise
      // would pile up one reaction per record on it (a leak).
      let wake: ((value: 'aborted') => void) | null = null;
      const onAbort = () => wake?.('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      const untilAborted = <T>(promise: Promise<T>): Promise<T | 'aborted'> =>
        new Promise<T | 'aborted'>((resolve, reject) => {
          wake = resolve;
          promise.then(resolve, reject);
        });
      const pump = async () => {
        while (!signal.aborted && !subscriber.closed) {
          const wait = this.checkpointer.acquire();
          if (wait && (await untilAborted(wait)) === 'aborted') break;
          if (signal.aborted) break;
          const next = await untilAborted(iterator.next());
          wake = null;
          if (next === 'aborted' || next.done) break;
          const item = next.value;
          const ticket = this.checkpointer.track(item.position);
          metrics.in++;
          const env: Envelope = {
            record: item.record,
            ticket,
            item,
            protectedRecord: null,
            bytes: estimateBytes(item.record),
          };
          if (this.options.validateRecords) {
            const problem = validateRecord(item.record);
            if (problem !== null) {
              // Its fields failed the schema, so none can be trusted to hold what its name says.
              env.record = envelopeOnly(item.record);
              await this.deadLetter(env, 'source', source.id, new PermanentError('record_invalid', problem), 1);
              continue;
            }
          }
          metrics.out++;
          subscriber.next(env);
        }
        signal.removeEventListener('abort', onAbort);
        subscriber.complete();
      };
      pump().catch((error: unknown) => {
        subscriber.error(
          isSluiceError(error) && error.failure === 'fatal'
            ? error
            : new FatalError('source_read_failed', `source failed: ${safeErrorMessage(error)}`, {
                cause: error,
                component: source.id,
              }),
        );
      });
      return () => {
        // Let the source release sockets and timers; its pending read, if any, is abandoned.
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
      };
    });
  }

  /** Runs the transform chain on one record. Sync chains stay sync (no promise per record). */
  private runChain(env: Envelope, from: number): Envelope | null | Promise<Envelope | null> {
    const transforms = this.spec.transforms;
    if (this.lastPrivacyIndex < 0) env.protectedRecord = env.record;
    for (let i = from; i < transforms.length; i++) {
      const t = transforms[i]!;
      const metrics = this.metricsState.component(t.id);
      metrics.in++;
      let out: SluiceRecord | null | Promise<SluiceRecord | null>;
      try {
        out = t.fn(env.record, t.ctx);
      } catch (error) {
        return this.transformFailed(env, i, error, 1);
      }
      if (out instanceof Promise) {
        return out.then(
          (record) => this.afterTransform(env, i, record),
          (error: unknown) => this.transformFailed(env, i, error, 1),
        );
      }
      const next = this.applyTransformResult(env, i, out);
      if (next === 'dropped') return this.drop(env);
    }
    return env;
  }

  private afterTransform(env: Envelope, index: number, record: SluiceRecord | null) {
    const next = this.applyTransformResult(env, index, record);
    if (next === 'dropped') return this.drop(env);
    return this.runChain(env, index + 1);
  }

  private applyTransformResult(env: Envelope, index: number, record: SluiceRecord | null): 'next' | 'dropped' {
    const t = this.spec.transforms[index]!;
    const metrics = this.metricsState.component(t.id);
    if (record === null) {
      metrics.dropped++;
      return 'dropped';
    }
    metrics.out++;
    env.record = record;
    if (index === this.lastPrivacyIndex) env.protectedRecord = record;
    return 'next';
  }

  private async transformFailed(
    env: Envelope,
    index: number,
    error: unknown,
    attempt: number,
  ): Promise<null | Envelope> {
    const t = this.spec.transforms[index]!;
    if (isSluiceError(error) && error.failure === 'fatal') throw error;
    if (isSluiceError(error) && error.failure === 'retryable' && attempt < this.options.transformAttempts) {
      await sleep(backoff(attempt, 100, 5_000, (error as RetryableError).retryAfterMs));
      try {
        const record = await t.fn(env.record, t.ctx);
        return this.afterTransform(env, index, record);
      } catch (again) {
        return this.transformFailed(env, index, again, attempt + 1);
      }
    }
    this.metricsState.component(t.id).errors++;
    if (isSluiceError(error) && error.failure === 'retryable') {
      // A dependency that stays down is not the record's fault: stop without acking, so the record is
      // read again on the next run instead of being dead-lettered with its content withheld.
      throw new FatalError('transform_failed', `${t.id} kept failing after ${attempt} attempts: ${error.message}`, {
        cause: error,
        component: t.id,
      });
    }
    await this.deadLetter(env, 'transform', t.id, error, attempt);
    return null;
  }

  private drop(env: Envelope): null {
    this.ackAll([env]);
    this.scheduleSave();
    return null;
  }

  /** Writes a batch with retries, isolates permanently bad records, then acks and checkpoints. */
  private async writeBatch(envs: Envelope[]): Promise<void> {
    const sinkId = this.spec.sink.id;
    const metrics = this.metricsState.component(sinkId);
    metrics.in += envs.length;
    metrics.batches++;
    metrics.batchRecordsMax = Math.max(metrics.batchRecordsMax, envs.length);
    await this.writeIsolating(envs);
    metrics.out += envs.length;
    metrics.lagMs = eventLagMs(envs[envs.length - 1]!.record);
    this.ackAll(envs);
    await this.saveCheckpoints();
  }

  private async writeIsolating(envs: Envelope[]): Promise<void> {
    const sink = this.spec.sink;
    const metrics = this.metricsState.component(sink.id);
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.options.sinkRetry;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await sink.instance.write(envs.map((e) => e.record));
        for (const rejected of result?.rejected ?? []) {
          const env = envs[rejected.index];
          if (env) {
            metrics.errors++;
            await this.deadLetter(env, 'sink', sink.id, rejected.error, attempt, false);
          }
        }
        return;
      } catch (error) {
        if (isSluiceError(error) && error.failure === 'fatal') throw error;
        if (isSluiceError(error) && error.failure === 'permanent') {
          if (envs.length === 1) {
            metrics.errors++;
            await this.deadLetter(envs[0]!, 'sink', sink.id, error, attempt, false);
            return;
          }
          // Find the bad records by halving: the good ones still land.
          const mid = Math.ceil(envs.length / 2);
          await this.writeIsolating(envs.slice(0, mid));
          await this.writeIsolating(envs.slice(mid));
          return;
        }
        metrics.retries++;
        if (attempt >= maxAttempts) {
          throw new FatalError('sink_write_failed', `sink write failed after ${attempt} attempts`, {
            cause: error,
            component: sink.id,
          });
        }
        const retryAfter = isSluiceError(error) ? (error as RetryableError).retryAfterMs : undefined;
        this.log.warn(
          { component: sink.id, attempt, code: isSluiceError(error) ? error.code : 'unknown' },
          'sink write failed; retrying',
        );
        await sleep(backoff(attempt, initialDelayMs, maxDelayMs, retryAfter));
      }
    }
  }

  /** Stores a redacted copy of the record with the failure, then acks it: never dropped silently. */
  private async deadLetter(
    env: Envelope,
    stage: 'source' | 'transform' | 'sink',
    component: string,
    error: unknown,
    attempt: number,
    ack = true,
  ): Promise<void> {
    const record = redactForDeadLetter(env.record, env.protectedRecord);
    const code = isSluiceError(error) ? error.code : stage === 'sink' ? 'sink_record_rejected' : 'transform_failed';
    await this.spec.state.appendDeadLetter({
      tenant: this.tenant,
      pipeline: this.id,
      component,
      stage,
      code,
      message: safeErrorMessage(error),
      attempt,
      time: new Date().toISOString(),
      recordKind: typeof env.record?.kind === 'string' ? (env.record.kind as RecordKind) : null,
      recordKey: typeof env.record?.key === 'string' ? env.record.key : null,
      record,
    });
    this.metricsState.component(component).deadLettered++;
    this.log.warn({ component, stage, code, attempt }, 'record sent to dead letters');
    if (ack) {
      this.ackAll([env]);
      this.scheduleSave();
    }
  }

  private ackAll(envs: readonly Envelope[]): void {
    for (const env of envs) {
      this.checkpointer.ack(env.ticket);
      if (env.item.onDone) this.pendingDone.push(env.item.onDone);
    }
  }

  /** Saves checkpoints that advanced, then runs the sources' `onDone` hooks for what they cover. */
  private saveCheckpoints(): Promise<void> {
    // A failed save must not poison the chain: the next save retries what was restored.
    this.savePromise = this.savePromise
      .catch(() => undefined)
      .then(async () => {
        const advanced = this.checkpointer.takeAdvanced();
        const done = this.pendingDone;
        this.pendingDone = [];
        try {
          await this.spec.state.saveCheckpoints(this.id, advanced);
        } catch (error) {
          this.checkpointer.restoreAdvanced(advanced);
          this.pendingDone.unshift(...done);
          throw error;
        }
        for (const hook of done) await hook();
      });
    return this.savePromise;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveCheckpoints().catch((error: unknown) => this.fail?.(error));
    }, this.options.batch.maxMs);
    this.saveTimer.unref();
  }

  /** Closes source and sink, each within `timeoutMs` (a sink stuck in a write must not hang shutdown). */
  private async closeComponents(timeoutMs: number): Promise<void> {
    for (const close of [() => this.spec.source.instance.close?.(), () => this.spec.sink.instance.close?.()]) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
          timer.unref();
        });
        if ((await Promise.race([Promise.resolve(close()), timedOut])) === 'timeout') {
          this.log.warn({ timeoutMs }, 'component did not close in time');
        }
      } catch (error) {
        this.log.warn({ message: safeErrorMessage(error) }, 'component failed to close');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/** Only the envelope of a record (kind, tenant, key, version, op), for records that failed validation. */
function envelopeOnly(record: SluiceRecord): SluiceRecord {
  const raw = record as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['kind', 'tenant', 'key', 'version', 'op']) {
    const v = raw?.[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out as unknown as SluiceRecord;
}

/** Age of a record's event when it was written, for messages and audit events; null otherwise. */
function eventLagMs(record: SluiceRecord): number | null {
  const at = record.kind === 'message' ? record.posted_at : record.kind === 'audit' ? record.at : undefined;
  if (!at) return null;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? null : Math.max(0, Date.now() - ms);
}

/**
 * A cheap estimate of a record's JSON size for batch byte limits: string lengths plus a constant per
 * field, with nested values serialised. Exactness does not matter; cost per record does.
 */
export function estimateBytes(record: object): number {
  let bytes = 2;
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    bytes += key.length + 4;
    if (typeof value === 'string') bytes += value.length + 2;
    else if (value !== null && typeof value === 'object') bytes += JSON.stringify(value).length;
    else bytes += 8;
  }
  return bytes;
}

/** Exponential backoff with full jitter, at least `retryAfterMs` when the remote said so. */
export function backoff(attempt: number, initialMs: number, maxMs: number, retryAfterMs?: number): number {
  const exp = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Creates a pipeline from instantiated components. Most users call `runPolicy` from `@sluice/policy`. */
export function createPipeline(spec: PipelineSpec): Pipeline {
  return new Pipeline(spec);
}
