/**
 * `sluice validate` end to end: the built binary in a child process, on policy files in a temp dir.
 * Each bad policy must give exit code 2 and one line per problem: `file: /json/pointer: what (hint)`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'sluice-validate-'));

function sluice(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function policyFile(name: string, content: string | object): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const good = {
  version: 1,
  tenant: 'acme',
  source: { use: 'jsonl', with: { path: 'in.jsonl' } },
  capture: { users: 'ids', messages: 'metadata' },
  sink: { use: 'jsonl', with: { dir: 'out' } },
};

describe('sluice validate', () => {
  it('accepts a valid policy', () => {
    const r = sluice('validate', policyFile('good.json', good));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/good\.json: ok/);
    expect(r.code).toBe(0);
  });

  const cases: Array<[string, string | object, string[]]> = [
    ['not JSON', '{ "version": 1, }', ['/: not valid JSON at line 1']],
    ['an unknown key', { ...good, capture: { users: 'ids', mesages: 'metadata' } }, ['/capture/mesages: unknown key']],
    ['a wrong type', { ...good, retention: { days: 'thirty' } }, ['/retention/days: must be integer']],
    ['a missing required field', { ...good, tenant: undefined }, ['/tenant: required but missing']],
    ['an unknown plugin', { ...good, transforms: [{ use: 'tokenise-pii' }] }, ['/transforms/0/use: unknown transform']],
    [
      'an invalid plugin config',
      { ...good, sink: { use: 'jsonl', with: { dir: 'out', fsync: 'yes' } } },
      ['/sink/with/fsync: sink "jsonl": unknown key'],
    ],
    [
      'several problems at once',
      { ...good, source: { use: 'jsonl', with: {} }, transforms: [{ use: './missing.js' }] },
      ['/source/with/path: source "jsonl": required but missing', '/transforms/0/use: plugin file not found'],
    ],
  ];

  it.each(cases)('rejects %s with exit 2 and one line per problem', (name, content, expected) => {
    const file = policyFile(`${name.replace(/\W+/g, '-')}.json`, content);
    const r = sluice('validate', file);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(expected.length);
    expected.forEach((fragment, i) => {
      expect(lines[i]!.startsWith(`${file}: /`)).toBe(true);
      expect(lines[i]).toContain(fragment);
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a plugin whose config schema does not compile, naming it, with exit 2', () => {
    writeFileSync(
      join(dir, 'odd-schema.mjs'),
      `export default { kind: 'transform', type: 'odd', version: '1', summary: 'x',
        configSchema: { type: 'object', markdownDescription: 'not a keyword' }, create: () => (r) => r };`,
    );
    const file = policyFile('odd.json', { ...good, transforms: [{ use: './odd-schema.mjs' }] });
    const r = sluice('validate', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: /transforms/0/use: transform "odd" has a config schema that does not compile`);
  });

  it('rejects a missing policy file and bad arguments with exit 2', () => {
    expect(sluice('validate', join(dir, 'nope.json')).code).toBe(2);
    expect(sluice('validate').code).toBe(2);
    expect(sluice('frobnicate').code).toBe(2);
  });

  it('prints the policy schema', () => {
    const r = sluice('schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ title: 'Sluice policy' });
  });
});
