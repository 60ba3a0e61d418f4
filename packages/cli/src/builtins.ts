/**
 * The built-in plugins the `sluice` command knows by `type`. A fresh registry per call: nothing global,
 * so an application can run many pipelines with different plugin sets in one process.
 */
import { PluginRegistry } from '@sluice/core';
import { duckdbSink } from '@sluice/sink-duckdb';
import { jsonlSink } from '@sluice/sink-jsonl';
import { jsonlSource } from '@sluice/source-jsonl';
import { slackExportSource, slackSource } from '@sluice/source-slack';
import { dropText, redactEmailDomain, redactUserProfile, tokenizePii } from '@sluice/transforms';

export function builtinPlugins(): PluginRegistry {
  return new PluginRegistry([
    slackSource,
    slackExportSource,
    jsonlSource,
    dropText,
    redactUserProfile,
    redactEmailDomain,
    tokenizePii,
    duckdbSink,
    jsonlSink,
  ]);
}
