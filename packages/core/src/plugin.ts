/**
 * The plugin API. A plugin is a typed factory `{ type, version, summary, configSchema, create }`;
 * `defineSource`, `defineTransform` and `defineSink` add the kind and let TypeScript infer the config
 * type from the schema. Plugin authors see plain functions and async iterables; RxJS stays in the core.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { FatalError } from './errors.js';
import type { Logger } from './logging.js';
import type { RecordKind, Sensitivity, SluiceRecord } from './records.js';
import type { AuditEventInput, StateStore } from './state.js';

/** A JSON value, as stored in checkpoints. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What every plugin factory receives. Free of process-wide singletons: many pipelines share a process. */
export interface PluginContext {
  readonly tenant: string;
  /** Component id for errors, logs and metrics: `source`, `transforms[1]`, `sink`. */
  readonly componentId: string;
  /** Directory of the policy file: relative paths in plugin configs resolve against it. */
  readonly baseDir: string;
  readonly logger: Logger;
  readonly state: StateStore;
  /** Writes an audit event (IDs and counts only). */
  audit(event: AuditEventInput): Promise<void>;
  /** Services shared by plugins of one pipeline, e.g. the tenant keyring under `keys`. */
  readonly services: ServiceRegistry;
  /** Aborted when the pipeline stops. */
  readonly signal: AbortSignal;
}

export interface ServiceRegistry {
  get<T>(name: string): T | undefined;
  require<T>(name: string): T;
}

/** Where a record sits in its source: records of one partition are checkpointed in order. */
export interface SourcePosition {
  partition: string;
  /** Saved as the partition's checkpoint once this record and every earlier one are durably written. */
  checkpoint: Json;
}

/** One record read by a source. */
export interface SourceItem<R extends SluiceRecord = SluiceRecord> {
  record: R;
  position?: SourcePosition;
  /** Called once the record is durably handled (written, dropped or dead-lettered). */
  onDone?: () => void | Promise<void>;
}

export interface SourceReadOptions {
  /** Committed checkpoints by partition, as last saved. */
  readonly checkpoints: ReadonlyMap<string, Json>;
  /** `until-caught-up`: end the iterable when there is nothing more to read now. `follow`: keep going. */
  readonly mode: 'until-caught-up' | 'follow';
  readonly signal: AbortSignal;
}

/** A running source: a pull-based async iterable. The core asks for the next item only when it has room. */
export interface SourceInstance {
  read(options: SourceReadOptions): AsyncIterable<SourceItem>;
  close?(): Promise<void>;
}

/** A per-record transform: return the record (changed or not), or `null` to drop it. */
export type RecordTransform = (
  record: SluiceRecord,
  ctx: PluginContext,
) => SluiceRecord | null | Promise<SluiceRecord | null>;

/** Outcome of a sink write: records rejected permanently (by index in the batch) go to dead letters. */
export interface SinkWriteResult {
  rejected?: ReadonlyArray<{ index: number; error: unknown }>;
}

export interface SinkInstance {
  /** Durably writes a batch. Resolve only after the data is committed: the core acks on resolve. */
  write(batch: readonly SluiceRecord[]): Promise<SinkWriteResult | undefined>;
  /** Removes every record of a tenant (the "delete everything for this customer" operation). */
  deleteTenant?(tenant: string): Promise<{ deleted: number }>;
  /** Removes records older than the cutoff, by their event time. */
  applyRetention?(tenant: string, olderThan: Date): Promise<{ deleted: number }>;
  close?(): Promise<void>;
}

interface PluginBase<S extends TSchema> {
  /** Name used in policies (`use`), e.g. `duckdb`, `tokenize-pii`. */
  readonly type: string;
  readonly version: string;
  readonly summary: string;
  readonly configSchema: S;
}

export interface SourceDefinition<S extends TSchema = TSchema> extends PluginBase<S> {
  readonly kind: 'source';
  create(config: Static<S>, ctx: PluginContext): SourceInstance | Promise<SourceInstance>;
}

/** What a transform does to stored columns, for `sluice explain`. */
export interface FieldEffect {
  /** Record kinds concerned; all kinds when absent. */
  kinds?: readonly RecordKind[];
  /** Columns concerned by name; or by sensitivity when `sensitivities` is given. */
  fields?: readonly string[];
  sensitivities?: readonly Sensitivity[];
  effect: 'dropped' | 'tokenized' | 'domain-only' | 'modified';
  note?: string;
}

export interface TransformDefinition<S extends TSchema = TSchema> extends PluginBase<S> {
  readonly kind: 'transform';
  /** Declares the transform's effect on columns at this config, for the data inventory. */
  describe?(config: Static<S>): readonly FieldEffect[];
  /**
   * Whether the transform protects privacy (default true). Until every privacy transform of the chain
   * ran, dead-letter entries withhold the record's `pii` and `text` fields.
   */
  readonly privacy: boolean;
  create(config: Static<S>, ctx: PluginContext): RecordTransform | Promise<RecordTransform>;
}

export interface SinkDefinition<S extends TSchema = TSchema> extends PluginBase<S> {
  readonly kind: 'sink';
  create(config: Static<S>, ctx: PluginContext): SinkInstance | Promise<SinkInstance>;
}

export type PluginDefinition = SourceDefinition | TransformDefinition | SinkDefinition;
export type PluginKind = PluginDefinition['kind'];

/**
 * Declares a source plugin.
 * @example
 * const numbers = defineSource({
 *   type: 'numbers', version: '1.0.0', summary: 'Counts', configSchema: Type.Object({ n: Type.Integer() }),
 *   create: (config) => ({ async *read() { for (let i = 0; i < config.n; i++) yield { record: makeRecord(i) }; } }),
 * });
 */
export function defineSource<S extends TSchema>(definition: Omit<SourceDefinition<S>, 'kind'>): SourceDefinition<S> {
  return Object.freeze({ ...definition, kind: 'source' as const });
}

/**
 * Declares a transform plugin. Return a named function so stack traces read well.
 * @example
 * export default defineTransform({
 *   type: 'drop-bots', version: '1.0.0', summary: 'Drops bot messages', configSchema: Type.Object({}),
 *   create: () => function dropBots(record) { return record.kind === 'message' && record.bot_id ? null : record; },
 * });
 */
export function defineTransform<S extends TSchema>(
  definition: Omit<TransformDefinition<S>, 'kind' | 'privacy'> & { privacy?: boolean },
): TransformDefinition<S> {
  return Object.freeze({ ...definition, privacy: definition.privacy ?? true, kind: 'transform' as const });
}

/** Declares a sink plugin. */
export function defineSink<S extends TSchema>(definition: Omit<SinkDefinition<S>, 'kind'>): SinkDefinition<S> {
  return Object.freeze({ ...definition, kind: 'sink' as const });
}

export function isPluginDefinition(value: unknown): value is PluginDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.kind === 'source' || v.kind === 'transform' || v.kind === 'sink') &&
    typeof v.type === 'string' &&
    typeof v.create === 'function' &&
    typeof v.configSchema === 'object'
  );
}

/** A simple service registry. */
export function createServiceRegistry(entries: Record<string, unknown> = {}): ServiceRegistry {
  const map = new Map(Object.entries(entries));
  return {
    get: <T>(name: string) => map.get(name) as T | undefined,
    require<T>(name: string): T {
      if (!map.has(name)) {
        throw new FatalError('plugin_invalid', `service '${name}' is not configured in this pipeline`);
      }
      return map.get(name) as T;
    },
  };
}
