/**
 * Sluice pipeline core: the plugin API (`defineSource`, `defineTransform`, `defineSink`), the RxJS
 * pipeline with acknowledgements and capped checkpoints, dead letters, the state store, errors and logging.
 */

export type {
  ComponentConfig,
  InstantiateOptions,
  PipelineConfig,
  ResolvedComponent,
  ResolvedPipeline,
  ResolveOptions,
} from './assemble.js';
export { componentId, instantiatePipeline, loadPlugin, PluginRegistry, resolvePipeline } from './assemble.js';
export { batchRecords } from './batching.js';
export type { CheckpointTicket } from './checkpointer.js';
export { CappedCheckpointer } from './checkpointer.js';
export { redactForDeadLetter } from './dead-letters.js';
export type { ConfigIssue, FailureClass, SluiceErrorCode, SluiceErrorOptions } from './errors.js';
export {
  ConfigError,
  errorCodeOf,
  FatalError,
  formatConfigIssues,
  isSluiceError,
  PermanentError,
  RetryableError,
  SluiceError,
  safeErrorMessage,
} from './errors.js';
export type { Logger, LoggerOptions, LogLevel } from './logging.js';
export { createLogger, silentLogger } from './logging.js';
export type { ComponentCounters, MetricsSnapshot } from './metrics.js';
export type {
  BatchOptions,
  PipelineOptions,
  PipelineSpec,
  PipelineSummary,
  PipelineTransform,
  RetryOptions,
} from './pipeline.js';
export { backoff, createPipeline, DEFAULT_PIPELINE_OPTIONS, Pipeline } from './pipeline.js';
export type {
  FieldEffect,
  Json,
  PluginContext,
  PluginDefinition,
  PluginKind,
  RecordTransform,
  ServiceRegistry,
  SinkDefinition,
  SinkInstance,
  SinkWriteResult,
  SourceDefinition,
  SourceInstance,
  SourceItem,
  SourcePosition,
  SourceReadOptions,
  TransformDefinition,
} from './plugin.js';
export {
  createServiceRegistry,
  defineSink,
  defineSource,
  defineTransform,
  isPluginDefinition,
} from './plugin.js';
export { validateRecord } from './record-validation.js';
export type {
  AuditRecord,
  ChannelRecord,
  MessageRecord,
  Reaction,
  RecordField,
  RecordKind,
  Sensitivity,
  SluiceRecord,
  UserRecord,
} from './records.js';
export {
  AuditRecordSchema,
  ChannelRecordSchema,
  ENVELOPE_FIELDS,
  fieldsWithSensitivity,
  isRecordKind,
  MessageRecordSchema,
  RECORD_KINDS,
  RECORD_SCHEMAS,
  recordFields,
  recordJsonSchema,
  slackTsToIso,
  slackTsToMicros,
  UserRecordSchema,
} from './records.js';
export type { ValueSealer } from './sealed-state.js';
export { STATE_SEALER_SERVICE, sealNamespaces } from './sealed-state.js';
export type { AuditEvent, AuditEventInput, DeadLetterEntry, StateStore } from './state.js';
export { createMemoryStateStore, pipelineIdFor, SqliteStateStore } from './state.js';
export { createAjv, escapePointer, issuesFromAjv, validateAgainst } from './validation.js';
