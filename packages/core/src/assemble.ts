/**
 * From configuration to a running pipeline: resolve each component's plugin (a built-in `type`, a file
 * path next to the policy, or a package name), validate its `with` config against the plugin's schema
 * before `create` is called, then instantiate. Every problem is reported with the JSON pointer of the
 * component in the policy file, all at once, and nothing starts unless all is well: fail closed.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type ConfigIssue, FatalError, isSluiceError, safeErrorMessage } from './errors.js';
import type { Logger } from './logging.js';
import { createPipeline, type Pipeline, type PipelineSpec } from './pipeline.js';
import {
  createServiceRegistry,
  isPluginDefinition,
  type PluginContext,
  type PluginDefinition,
  type PluginKind,
  type ServiceRegistry,
  type SinkDefinition,
  type SourceDefinition,
  type TransformDefinition,
} from './plugin.js';
import type { StateStore } from './state.js';
import { validateAgainst } from './validation.js';

/** One component as configured: which plugin, its config, and where it sits in the policy file. */
export interface ComponentConfig {
  use: string;
  with?: Record<string, unknown>;
  /** JSON pointer of this component in the policy, for error messages, e.g. `/transforms/2`. */
  path: string;
  /** Stable id for metrics, logs and dead letters; defaults to the path's readable form. */
  id?: string;
  /** JSON pointer blamed when the plugin cannot be found; `<path>/use` by default. */
  usePath?: string;
}

export interface PipelineConfig {
  tenant: string;
  /** Pipeline name within the tenant (checkpoints are kept per tenant + name). */
  name?: string;
  source: ComponentConfig;
  transforms: readonly ComponentConfig[];
  sink: ComponentConfig;
  options?: PipelineSpec['options'];
}

/** Built-in plugins by kind and type. Not global: each CLI or embedding builds its own. */
export class PluginRegistry {
  private readonly plugins = new Map<string, PluginDefinition>();

  constructor(definitions: readonly PluginDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: PluginDefinition): this {
    this.plugins.set(`${definition.kind}:${definition.type}`, definition);
    return this;
  }

  get(kind: PluginKind, type: string): PluginDefinition | undefined {
    return this.plugins.get(`${kind}:${type}`);
  }

  list(kind?: PluginKind): PluginDefinition[] {
    return [...this.plugins.values()].filter((p) => kind === undefined || p.kind === kind);
  }
}

export interface ResolveOptions {
  registry: PluginRegistry;
  /** Directory that relative plugin paths resolve against (the policy's). */
  baseDir: string;
  /** The policy file, for error messages. */
  file?: string;
}

export interface ResolvedComponent<D extends PluginDefinition = PluginDefinition> {
  id: string;
  path: string;
  definition: D;
  config: Record<string, unknown>;
}

export interface ResolvedPipeline {
  tenant: string;
  name: string;
  source: ResolvedComponent<SourceDefinition>;
  transforms: ResolvedComponent<TransformDefinition>[];
  sink: ResolvedComponent<SinkDefinition>;
  options: PipelineSpec['options'];
}

const isPathLike = (use: string) => use.startsWith('./') || use.startsWith('../') || isAbsolute(use);

/** Loads a plugin definition for `use`, or returns an issue saying why it cannot. */
export async function loadPlugin(
  kind: PluginKind,
  use: string,
  usePath: string,
  options: ResolveOptions,
): Promise<PluginDefinition | ConfigIssue> {
  const path = usePath;
  const builtin = options.registry.get(kind, use);
  if (builtin) return builtin;
  const known = options.registry.list(kind).map((p) => p.type);
  const looksLikeModule = isPathLike(use) || use.startsWith('@') || use.includes('/');
  if (!looksLikeModule) {
    return {
      path,
      code: 'plugin_not_found',
      message: `unknown ${kind} "${use}"`,
      hint: `built-in ${kind}s: ${known.join(', ') || 'none'}; or give a path like "./plugins/my-${kind}.js"`,
    };
  }
  let url: string;
  try {
    if (isPathLike(use)) {
      const file = resolve(options.baseDir, use);
      if (!existsSync(file)) {
        return {
          path,
          code: 'plugin_not_found',
          message: `plugin file not found: ${use}`,
          hint: `paths are relative to the policy's directory (${options.baseDir})`,
        };
      }
      url = pathToFileURL(file).href;
    } else {
      url = pathToFileURL(createRequire(resolve(options.baseDir, 'policy.json')).resolve(use)).href;
    }
  } catch {
    return {
      path,
      code: 'plugin_not_found',
      message: `cannot find package "${use}"`,
      hint: 'install it next to the policy (npm install) or use a relative path',
    };
  }
  let mod: Record<string, unknown>;
  try {
    mod = /\.[cm]?tsx?$/.test(url)
      ? ((await (await import('tsx/esm/api')).tsImport(url, import.meta.url)) as Record<string, unknown>)
      : ((await import(url)) as Record<string, unknown>);
  } catch (error) {
    return {
      path,
      code: 'plugin_load_failed',
      message: `plugin "${use}" failed to load: ${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'}`,
      hint: 'fix the module so that it imports cleanly',
    };
  }
  const candidate = [mod.default, mod.plugin, (mod.default as Record<string, unknown> | undefined)?.default].find(
    isPluginDefinition,
  );
  if (!candidate) {
    return {
      path,
      code: 'plugin_invalid',
      message: `"${use}" does not export a plugin`,
      hint: `export default define${kind[0]!.toUpperCase()}${kind.slice(1)}({ ... }) from @sluice/core`,
    };
  }
  if (candidate.kind !== kind) {
    return {
      path,
      code: 'plugin_invalid',
      message: `"${use}" is a ${candidate.kind}, not a ${kind}`,
      hint: `use it under "${candidate.kind === 'transform' ? 'transforms' : candidate.kind}"`,
    };
  }
  return candidate;
}

/**
 * Resolves and validates every component of a pipeline. Throws one ConfigError listing every problem.
 */
export async function resolvePipeline(config: PipelineConfig, options: ResolveOptions): Promise<ResolvedPipeline> {
  const issues: ConfigIssue[] = [];
  const resolveOne = async <D extends PluginDefinition>(kind: PluginKind, c: ComponentConfig) => {
    const loaded = await loadPlugin(kind, c.use, c.usePath ?? `${c.path}/use`, options);
    if (!isPluginDefinition(loaded)) {
      issues.push(loaded);
      return undefined;
    }
    const cfg = structuredClone(c.with ?? {});
    let found: ConfigIssue[];
    try {
      found = validateAgainst(loaded.configSchema, cfg, `${c.path}/with`);
    } catch (error) {
      issues.push({
        path: c.usePath ?? `${c.path}/use`,
        code: 'plugin_invalid',
        message: `${kind} "${loaded.type}" has a config schema that does not compile: ${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'}`,
        hint: 'fix the plugin: configSchema must be a JSON Schema (draft 2020-12) without unknown keywords',
      });
      return undefined;
    }
    if (found.length > 0) {
      issues.push(...found.map((i) => ({ ...i, message: `${kind} "${loaded.type}": ${i.message}` })));
      return undefined;
    }
    return { id: c.id ?? componentId(c.path), path: c.path, definition: loaded as D, config: cfg };
  };
  const source = await resolveOne<SourceDefinition>('source', config.source);
  const transforms: ResolvedComponent<TransformDefinition>[] = [];
  for (const t of config.transforms) {
    const r = await resolveOne<TransformDefinition>('transform', t);
    if (r) transforms.push(r);
  }
  const sink = await resolveOne<SinkDefinition>('sink', config.sink);
  if (issues.length > 0 || !source || !sink) {
    throw new ConfigError(
      issues.some((i) => i.code === 'plugin_not_found') ? 'plugin_not_found' : 'plugin_config_invalid',
      options.file,
      issues,
    );
  }
  return {
    tenant: config.tenant,
    name: config.name ?? 'main',
    source,
    transforms,
    sink,
    options: config.options,
  };
}

/** `/transforms/2` → `transforms[2]`, `/source` → `source`. */
export function componentId(path: string): string {
  return path
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
}

export interface InstantiateOptions {
  state: StateStore;
  logger: Logger;
  services?: ServiceRegistry;
  /** Overrides of the pipeline options (mode, limits). */
  options?: PipelineSpec['options'];
  baseDir: string;
}

/** Calls each plugin's `create` and builds the pipeline. Components created so far are closed on failure. */
export async function instantiatePipeline(resolved: ResolvedPipeline, options: InstantiateOptions): Promise<Pipeline> {
  const abort = new AbortController();
  const services = options.services ?? createServiceRegistry();
  const pipelineId = `${resolved.tenant}/${resolved.name}`;
  const contextFor = (id: string): PluginContext => ({
    tenant: resolved.tenant,
    componentId: id,
    baseDir: options.baseDir,
    logger: options.logger.child({ component: id }),
    state: options.state,
    services,
    signal: abort.signal,
    audit: (event) => options.state.appendAudit(resolved.tenant, { actor: id, ...event }),
  });
  const created: Array<{ close?: () => Promise<void> }> = [];
  const create = async <T>(component: ResolvedComponent, fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      for (const c of created) await c.close?.().catch(() => undefined);
      if (isSluiceError(error)) throw error;
      throw new FatalError(
        'plugin_load_failed',
        `${component.id} (${component.definition.type}) failed to start: ${safeErrorMessage(error)}`,
        { cause: error, component: component.id },
      );
    }
  };
  const sourceCtx = contextFor(resolved.source.id);
  const source = await create(resolved.source, () =>
    resolved.source.definition.create(resolved.source.config as never, sourceCtx),
  );
  created.push(source);
  const transforms: PipelineSpec['transforms'][number][] = [];
  for (const t of resolved.transforms) {
    const ctx = contextFor(t.id);
    const fn = await create(t, () => t.definition.create(t.config as never, ctx));
    // Plain-object plugins may lack the flag: a transform counts as privacy unless it says otherwise.
    transforms.push({ id: t.id, type: t.definition.type, privacy: t.definition.privacy !== false, fn, ctx });
  }
  const sinkCtx = contextFor(resolved.sink.id);
  const sink = await create(resolved.sink, () =>
    resolved.sink.definition.create(resolved.sink.config as never, sinkCtx),
  );
  created.push(sink);
  const pipeline = await create(resolved.sink, () =>
    createPipeline({
      tenant: resolved.tenant,
      pipelineId,
      source: { id: resolved.source.id, instance: source },
      transforms,
      sink: { id: resolved.sink.id, instance: sink },
      state: options.state,
      logger: options.logger,
      options: { ...resolved.options, ...options.options },
    }),
  );
  // Plugins see the pipeline's own stop signal.
  pipeline.signal.addEventListener('abort', () => abort.abort(), { once: true });
  return pipeline;
}
