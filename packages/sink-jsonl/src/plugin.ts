/**
 * The `jsonl` sink plugin: plain files for pipelines that hand data to other tools. A policy names it
 * with `use: jsonl`; `dir` resolves against the policy file's directory. Delivery is at-least-once.
 */
import { resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineSink } from '@sluice/core';
import { JsonlSink } from './sink.js';

export const JSONL_SINK_VERSION = '0.1.0';

export const JsonlSinkConfigSchema = Type.Object(
  {
    dir: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Root directory, relative to the policy file; files go to <dir>/<tenant>/<kind>.jsonl. Default `.sluice/jsonl`.',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * JSON Lines sink: one file per tenant and record kind, fsynced before the ack.
 * @example
 * // policy: { "sink": { "use": "jsonl", "with": { "dir": "out" } } }
 */
export const jsonlSink = defineSink({
  type: 'jsonl',
  version: JSONL_SINK_VERSION,
  summary: 'JSON Lines files per tenant and record kind, fsynced before ack (at-least-once: dedupe on key + version).',
  configSchema: JsonlSinkConfigSchema,
  create(config, ctx) {
    return JsonlSink.open({
      dir: resolve(ctx.baseDir, config.dir ?? '.sluice/jsonl'),
      tenant: ctx.tenant,
      component: ctx.componentId,
    });
  },
});
