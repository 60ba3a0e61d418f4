/**
 * JSON Lines sink for Sluice: one file per tenant and record kind, fsynced before ack. Append-only and
 * at-least-once: readers dedupe on (key, version), which `readLatest` does.
 */

export type { CompactResult, ReadLatestOptions } from './files.js';
export { compactJsonl, readLatest } from './files.js';
export { JSONL_SINK_VERSION, JsonlSinkConfigSchema, jsonlSink } from './plugin.js';
export type { JsonlRetentionResult, JsonlSinkOptions } from './sink.js';
export { JsonlSink, jsonlFile } from './sink.js';
