/**
 * A helper for plugin authors (`@sluice/cli/testing`): run a policy over fixture records, in a temp
 * directory, through the same runtime as `sluice run` (JSON Lines in, JSON Lines out), and get back
 * what was stored, every file the run left (for `assertNoCanaries` from `@sluice/testkit/canaries`),
 * the dead letters and the run summary.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type DeadLetterEntry, RECORD_KINDS, type SluiceRecord, SqliteStateStore } from '@sluice/core';
import type { Policy } from '@sluice/policy';
import { jsonlFile, readLatest } from '@sluice/sink-jsonl';
import { collectFiles } from '@sluice/testkit/canaries';
import { type RunResult, runPolicyFile } from './runtime.js';

export interface RunOnRecordsOptions {
  /** Records as a source would emit them; `tenant` is set to the policy's. */
  records: readonly object[];
  /** Policy parts: `capture`, `transforms` (use absolute paths for your plugins), `tokenization`, `keys`… */
  policy?: Partial<Omit<Policy, 'version' | 'source' | 'sink'>>;
  tenant?: string;
  /** Directory to run in (a fresh temp directory by default). */
  dir?: string;
}

export interface RunOnRecordsResult {
  dir: string;
  /** What users would query: the newest version of each stored record, tombstones removed. */
  stored: SluiceRecord[];
  /** Every file the run wrote (output, state, keys; not the input), for leak assertions. */
  files: Record<string, string>;
  deadLetters: DeadLetterEntry[];
  result: RunResult;
}

/**
 * @example
 * const run = await runPolicyOnRecords({ records, policy: { transforms: [{ use: pluginPath }] } });
 * assertNoCanaries(run.files, canaries.values());
 */
export async function runPolicyOnRecords(options: RunOnRecordsOptions): Promise<RunOnRecordsResult> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'sluice-run-')));
  const tenant = options.tenant ?? options.policy?.tenant ?? 'test';
  await mkdir(join(dir, 'input'), { recursive: true });
  await writeFile(
    join(dir, 'input', 'records.jsonl'),
    `${options.records.map((r) => JSON.stringify({ ...r, tenant })).join('\n')}\n`,
  );
  const policy = {
    version: 1,
    ...options.policy,
    tenant,
    source: { use: 'jsonl', with: { path: 'input/records.jsonl' } },
    sink: { use: 'jsonl', with: { dir: 'out' } },
  };
  const file = join(dir, 'policy.json');
  await writeFile(file, JSON.stringify(policy, null, 2));
  const result = await runPolicyFile(file, { logger: createLogger({ level: 'silent' }) });
  const stored: SluiceRecord[] = [];
  for (const kind of RECORD_KINDS) {
    const out = jsonlFile(join(dir, 'out'), tenant, kind);
    if (existsSync(out)) for await (const record of readLatest(out)) stored.push(record);
  }
  const state = new SqliteStateStore(result.statePath);
  try {
    const deadLetters = await state.listDeadLetters({ tenant });
    // The input is clear by definition: only what the run wrote counts.
    const files = Object.fromEntries(
      Object.entries(await collectFiles(dir)).filter(([path]) => !path.startsWith('input') && path !== 'policy.json'),
    );
    return { dir, stored, files, deadLetters, result };
  } finally {
    await state.close();
  }
}
