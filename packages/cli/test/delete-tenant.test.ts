/**
 * `sluice delete-tenant` end to end with the built binary: after a tokenized run into the real DuckDB
 * sink, it removes the tenant's rows, its state and its data keys, refuses to run without --yes, and
 * leaves an audit event saying what it removed (counts only).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryDuckdb, runSluice, runSluiceOk } from './helpers.js';

describe('sluice delete-tenant', () => {
  it('deletes the rows, state and keys of the tenant, and audits it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-delete-'));
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        kind: 'message',
        tenant: 'acme',
        key: `C1:${1_700_000_000 + i}.000100`,
        version: 1,
        op: 'upsert',
        channel_id: 'C1',
        ts: `${1_700_000_000 + i}.000100`,
        posted_at: new Date((1_700_000_000 + i) * 1000).toISOString(),
        text: `write to person${i}@example.org`,
      }),
    );
    writeFileSync(join(dir, 'in.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'policy.json'),
      JSON.stringify({
        version: 1,
        tenant: 'acme',
        source: { use: 'jsonl', with: { path: 'in.jsonl' } },
        sink: { use: 'duckdb', with: { path: 'w.duckdb' } },
      }),
    );
    await runSluiceOk(['run', 'policy.json', '--until-caught-up'], { cwd: dir });
    // The tenant's schema itself may be gone after the delete: no schema, no rows.
    const count = async () => {
      const file = join(dir, 'w.duckdb');
      const schemas = await queryDuckdb(
        file,
        "SELECT 1 FROM information_schema.schemata WHERE schema_name = 'tenant_acme'",
      );
      if (schemas.length === 0) return 0;
      return Number((await queryDuckdb<{ n: string }>(file, 'SELECT count(*) AS n FROM tenant_acme.messages'))[0]!.n);
    };
    expect(await count()).toBe(30);
    expect(readFileSync(join(dir, '.sluice', 'tenant-keys.json'), 'utf8')).toContain('acme');

    expect((await runSluice(['delete-tenant', 'policy.json'], { cwd: dir })).code).toBe(2);
    const deleted = await runSluiceOk(['delete-tenant', 'policy.json', '--yes'], { cwd: dir });
    expect(deleted.stdout).toMatch(/deleted: 30 rows from the sink, 1 key versions/);
    expect(await count()).toBe(0);
    const store = join(dir, '.sluice', 'tenant-keys.json');
    const wrapped = existsSync(store)
      ? (JSON.parse(readFileSync(store, 'utf8')) as { tenants: Record<string, unknown[]> })
      : null;
    expect(wrapped?.tenants.acme ?? []).toEqual([]);

    const audit = await runSluiceOk(['audit', 'policy.json', '--json'], { cwd: dir });
    const events = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; details: Record<string, unknown> });
    expect(events.at(-1)).toMatchObject({ action: 'tenant_deleted', details: { sinkRows: 30, keyVersions: 1 } });

    // The next run starts from scratch: no checkpoint survived.
    await runSluiceOk(['run', 'policy.json', '--until-caught-up'], { cwd: dir });
    expect(await count()).toBe(30);
  }, 60_000);
});
