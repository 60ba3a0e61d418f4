/**
 * Loading a policy: read the file, parse JSON (pointing at the line and column of a syntax error),
 * validate against the policy schema, then resolve `${env:NAME}` references. Each failure becomes a
 * `ConfigError` whose issues name the file, the JSON pointer, what is wrong and how to fix it.
 * Secrets never sit in a policy: it names environment variables, and their values are never echoed.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, createAjv, escapePointer, issuesFromAjv } from '@sluice/core';
import type { ValidateFunction } from 'ajv';
import { type Policy, PolicySchema } from './schema.js';

export interface LoadedPolicy {
  /** Absolute path of the policy file. */
  file: string;
  /** Directory of the policy: relative paths in it resolve against this. */
  baseDir: string;
  /** The policy with defaults applied and `${env:…}` references resolved. */
  policy: Policy;
  /** Non-fatal remarks (e.g. raw text capture), to print loudly. */
  warnings: string[];
}

export interface LoadOptions {
  /** Environment for `${env:NAME}` references; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Leave `${env:…}` references unresolved (for `sluice explain` on a machine without secrets). */
  skipEnv?: boolean;
}

let validatePolicy: ValidateFunction | undefined;

/** Reads, parses, validates and resolves a policy file. */
export async function loadPolicyFile(file: string, options: LoadOptions = {}): Promise<LoadedPolicy> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      'policy_not_found',
      file,
      [{ path: '', code: 'not_found', message: 'cannot read the policy file', hint: 'check the path' }],
      { cause },
    );
  }
  const loaded = parsePolicy(text, file, options);
  return { ...loaded, file: absolute, baseDir: dirname(absolute) };
}

/** Parses and validates policy text. `file` is only used in messages. */
export function parsePolicy(
  text: string,
  file: string,
  options: LoadOptions = {},
): { policy: Policy; warnings: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('policy_parse_error', file, [jsonSyntaxIssue(text, cause)], { cause });
  }
  // Secrets are resolved first so that their values meet the schema too (e.g. a KMS key name's
  // pattern). Without the environment (skipEnv), references keep their default, or their text.
  const envIssues: ConfigIssue[] = [];
  const envPaths = new Set<string>();
  const resolved = resolveEnvReferences(data, '', options.skipEnv ? {} : (options.env ?? process.env), {
    issues: envIssues,
    paths: envPaths,
    keepUnset: options.skipEnv === true,
  });
  if (envIssues.length > 0) throw new ConfigError('config_env_missing', file, envIssues);
  validatePolicy ??= createAjv({ useDefaults: true }).compile(PolicySchema);
  if (!validatePolicy(resolved)) {
    // An issue names the path and the rule, never the value: a value from the environment may be a secret.
    const issues = issuesFromAjv(validatePolicy.errors ?? []).map((issue) =>
      envPaths.has(issue.path) ? { ...issue, message: `${issue.message} (value from the environment)` } : issue,
    );
    throw new ConfigError('policy_invalid', file, issues);
  }
  const policy = resolved as Policy;
  return { policy, warnings: policyWarnings(policy) };
}

function jsonSyntaxIssue(text: string, cause: unknown): ConfigIssue {
  const message = cause instanceof Error ? cause.message : 'invalid JSON';
  const position = /position (\d+)/.exec(message);
  let where = '';
  if (position) {
    const offset = Number(position[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column}`;
  }
  return {
    path: '',
    code: 'json_syntax',
    message: `not valid JSON${where}`,
    hint: 'policies are strict JSON: no comments, no trailing commas, double-quoted keys',
  };
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;

/** Replaces `${env:NAME}` and `${env:NAME:-default}` in every string; records missing variables. */
function resolveEnvReferences(
  value: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  found: { issues: ConfigIssue[]; paths: Set<string>; keepUnset: boolean },
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (match: string, name: string, fallback: string | undefined) => {
      found.paths.add(path);
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
      if (fallback !== undefined) return fallback;
      if (found.keepUnset) return match;
      found.issues.push({
        path,
        code: 'env_missing',
        message: `environment variable ${name} is not set`,
        hint: `export ${name}=… or write \${env:${name}:-default}`,
      });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvReferences(v, `${path}/${i}`, env, found));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvReferences(v, `${path}/${escapePointer(k)}`, env, found)]),
    );
  }
  return value;
}

function policyWarnings(policy: Policy): string[] {
  const warnings: string[] = [];
  if (policy.capture?.messages === 'full') {
    warnings.push(
      'capture.messages is "full": message text is stored in clear, with every email, phone number and secret people typed. Use "tokenized" unless you have a reason and a legal basis.',
    );
  }
  if (policy.capture?.users === 'full') {
    warnings.push('capture.users is "full": names, titles and emails are stored in clear.');
  }
  return warnings;
}
