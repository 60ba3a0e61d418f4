/**
 * JSON Schema validation with ajv (draft 2020-12), shared by policies, plugin configs and records.
 * Ajv's errors are turned into `ConfigIssue`s: a JSON pointer, a code, a message and a hint, so that a
 * person reads `policy.json: /sink/with/pth: unknown key (did you mean "path"?)` and a tool reads data.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ConfigIssue } from './errors.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

/** A fresh ajv instance: strict, all errors, defaults applied, Sluice's schema annotations allowed. */
export function createAjv(options: { useDefaults?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    useDefaults: options.useDefaults ?? true,
    allowUnionTypes: true,
    // parentSchema and data feed the hints ("did you mean", "got string").
    verbose: true,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-sensitivity', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  // TypeBox marks schemas with symbols only; these string keywords are what it may emit.
  ajv.addKeyword({ keyword: 'x-plugin', schemaType: 'string' });
  return ajv;
}

const compiled = new WeakMap<object, ValidateFunction>();
let sharedAjv: Ajv2020 | undefined;

/** Compiles (once per schema object) and validates. Applies schema defaults to `value` in place. */
export function validateAgainst(schema: TSchema, value: unknown, pathPrefix = ''): ConfigIssue[] {
  sharedAjv ??= createAjv();
  let validate = compiled.get(schema);
  if (!validate) {
    validate = sharedAjv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return issuesFromAjv(validate.errors ?? [], pathPrefix);
}

/** Converts ajv errors to one issue per problem, dropping the noise of union branches. */
export function issuesFromAjv(errors: readonly ErrorObject[], pathPrefix = ''): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  // When a oneOf/anyOf fails, ajv reports every branch; keep the most specific ones.
  const hasSpecific = errors.some((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  for (const error of errors) {
    if (hasSpecific && (error.keyword === 'anyOf' || error.keyword === 'oneOf')) continue;
    const issue = toIssue(error, pathPrefix);
    const id = `${issue.path}|${issue.code}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return collapseUnionNoise(issues);
}

function toIssue(error: ErrorObject, prefix: string): ConfigIssue {
  const path = prefix + error.instancePath;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const guess = closest(key, allowed);
      return {
        path: `${path}/${escapePointer(key)}`,
        code: 'unknown_key',
        message: 'unknown key',
        hint: guess ? `did you mean "${guess}"?` : allowed.length ? `allowed keys: ${allowed.join(', ')}` : 'remove it',
      };
    }
    case 'required':
      return {
        path: `${path}/${escapePointer(String(p.missingProperty))}`,
        code: 'required',
        message: 'required but missing',
        hint: `add "${String(p.missingProperty)}"`,
      };
    case 'type':
      return { path, code: 'type', message: `must be ${String(p.type)}`, hint: `got ${describe(error.data)}` };
    case 'enum':
      return {
        path,
        code: 'enum',
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path, code: 'const', message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'pattern':
      return { path, code: 'pattern', message: `must match ${String(p.pattern)}` };
    case 'format':
      return { path, code: 'format', message: `must be a valid ${String(p.format)}` };
    default:
      return { path, code: error.keyword, message: error.message ?? 'is invalid' };
  }
}

/** Unions produce one `const`/`type` complaint per branch at the same path; merge them. */
function collapseUnionNoise(issues: ConfigIssue[]): ConfigIssue[] {
  const byPath = new Map<string, ConfigIssue[]>();
  for (const issue of issues) byPath.set(issue.path, [...(byPath.get(issue.path) ?? []), issue]);
  const out: ConfigIssue[] = [];
  for (const [path, group] of byPath) {
    const consts = group.filter((i) => i.code === 'const');
    if (consts.length > 1) {
      const values = consts.map((i) => i.message.replace(/^must be /, ''));
      out.push({ path, code: 'enum', message: `must be one of ${values.join(', ')}` });
      out.push(...group.filter((i) => i.code !== 'const' && i.code !== 'type'));
    } else {
      out.push(...group);
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The allowed key nearest to a typo, if any is close (Levenshtein distance <= 2). */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = levenshtein(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
