/**
 * From a policy file to a running pipeline, as `sluice run` does it and as an application embedding
 * Sluice can do it: load and validate the policy, resolve every plugin and validate its config,
 * open the state store, set up the tenant's keys, instantiate, run, apply retention. Nothing starts
 * until every check passed: fail closed.
 */
import { resolve } from 'node:path';
import {
  createLogger,
  createServiceRegistry,
  FatalError,
  instantiatePipeline,
  type Logger,
  type Pipeline,
  type PipelineSummary,
  type PluginRegistry,
  type ResolvedPipeline,
  resolvePipeline,
  type SinkInstance,
  SqliteStateStore,
  type StateStore,
} from '@sluice/core';
import { type LoadedPolicy, type LoadOptions, loadPolicyFile, pipelineConfigFromPolicy } from '@sluice/policy';
import { builtinPlugins } from './builtins.js';
import { createKeyServices, deleteTenantKeys } from './keys.js';

export interface PreparedPolicy {
  loaded: LoadedPolicy;
  resolved: ResolvedPipeline;
}

/** Loads a policy and resolves (without starting) every component. Throws ConfigError on any problem. */
export async function preparePolicy(
  file: string,
  options: LoadOptions & { registry?: PluginRegistry } = {},
): Promise<PreparedPolicy> {
  const loaded = await loadPolicyFile(file, options);
  const resolved = await resolvePipeline(pipelineConfigFromPolicy(loaded.policy), {
    registry: options.registry ?? builtinPlugins(),
    baseDir: loaded.baseDir,
    file,
  });
  return { loaded, resolved };
}

export interface RunOptions {
  mode?: 'until-caught-up' | 'follow';
  logger?: Logger;
  registry?: PluginRegistry;
  env?: LoadOptions['env'];
  /** Called once the pipeline exists, e.g. to wire signals to `pipeline.stop()`. */
  onStart?: (pipeline: Pipeline) => void;
}

export interface RunResult {
  summary: PipelineSummary;
  retention: { deleted: number } | null;
  warnings: string[];
  /** The state store the run used (checkpoints, dead letters, audit). */
  statePath: string;
}

export function statePathFor(loaded: LoadedPolicy): string {
  return resolve(loaded.baseDir, loaded.policy.state?.path ?? '.sluice/state.db');
}

/** Opens the policy's state store. */
export function openStateStore(loaded: LoadedPolicy): StateStore {
  return new SqliteStateStore(statePathFor(loaded));
}

/** Runs a policy file to completion (or until stopped). */
export async function runPolicyFile(file: string, options: RunOptions = {}): Promise<RunResult> {
  const logger = options.logger ?? createLogger();
  const prepared = await preparePolicy(file, {
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const { loaded, resolved } = prepared;
  for (const warning of loaded.warnings) logger.warn(warning);
  const state = openStateStore(loaded);
  try {
    const keys = await createKeyServices(loaded, state, resolved, logger);
    try {
      const pipeline = await instantiatePipeline(resolved, {
        state,
        logger,
        baseDir: loaded.baseDir,
        services: createServiceRegistry(keys),
        options: { mode: options.mode ?? 'until-caught-up' },
      });
      options.onStart?.(pipeline);
      const summary = await pipeline.run();
      const retention = await applyRetention(prepared, state, logger);
      return { summary, retention, warnings: loaded.warnings, statePath: statePathFor(loaded) };
    } finally {
      // Releases the Cloud KMS client, if any: an embedding process must not keep it open.
      await (keys['keys.close'] as (() => Promise<void>) | undefined)?.();
    }
  } finally {
    await state.close();
  }
}

/** The policy's sink, opened outside a pipeline for retention and tenant deletion. */
function openSinkForMaintenance(prepared: PreparedPolicy, state: StateStore, logger: Logger): Promise<SinkInstance> {
  const { resolved, loaded } = prepared;
  return Promise.resolve(
    resolved.sink.definition.create(resolved.sink.config as never, {
      tenant: resolved.tenant,
      componentId: resolved.sink.id,
      baseDir: loaded.baseDir,
      logger,
      state,
      services: createServiceRegistry(),
      signal: new AbortController().signal,
      audit: (event) => state.appendAudit(resolved.tenant, event),
    }),
  );
}

/** Deletes records older than `retention.days` through the sink, and audits it. */
async function applyRetention(prepared: PreparedPolicy, state: StateStore, logger: Logger) {
  const days = prepared.loaded.policy.retention?.days;
  if (days === undefined) return null;
  const { resolved } = prepared;
  const sink = await openSinkForMaintenance(prepared, state, logger);
  try {
    if (!sink.applyRetention) {
      logger.warn({ sink: resolved.sink.definition.type }, 'sink does not support retention');
      return null;
    }
    const cutoff = new Date(Date.now() - days * 86_400_000);
    const result = await sink.applyRetention(resolved.tenant, cutoff);
    await state.appendAudit(resolved.tenant, {
      action: 'retention_applied',
      actor: 'retention',
      subject: resolved.sink.id,
      details: { days, cutoff: cutoff.toISOString(), deleted: result.deleted },
    });
    return result;
  } finally {
    await sink.close?.();
  }
}

/** Deletes everything stored for the policy's tenant: sink tables, state, and keys. Audited. */
export async function deleteTenantData(
  file: string,
  options: { logger?: Logger; registry?: PluginRegistry } = {},
): Promise<{ sinkRows: number; keyVersions: number }> {
  const logger = options.logger ?? createLogger();
  const { loaded, resolved } = await preparePolicy(file, {
    ...(options.registry ? { registry: options.registry } : {}),
    skipEnv: false,
  });
  const state = openStateStore(loaded);
  try {
    const sink = await openSinkForMaintenance({ loaded, resolved }, state, logger);
    let sinkRows = 0;
    try {
      if (!sink.deleteTenant) {
        throw new FatalError('plugin_invalid', `sink "${resolved.sink.definition.type}" cannot delete a tenant`);
      }
      sinkRows = (await sink.deleteTenant(resolved.tenant)).deleted;
    } finally {
      await sink.close?.();
    }
    await state.deleteTenant(resolved.tenant);
    // Without its data keys, tokens of this tenant can never be reversed or linked again.
    const keys = await deleteTenantKeys(loaded);
    await state.appendAudit(resolved.tenant, {
      action: 'tenant_deleted',
      actor: 'cli',
      subject: resolved.tenant,
      details: { sinkRows, keyVersions: keys.versions },
    });
    return { sinkRows, keyVersions: keys.versions };
  } finally {
    await state.close();
  }
}
