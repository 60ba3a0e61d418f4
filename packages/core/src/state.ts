/**
 * The state store: checkpoints, dead letters, audit events and small key-value state that sources need
 * (thread cursors, the live-event buffer). The embedded default is SQLite (WAL, synchronous=FULL), so a
 * committed write survives `kill -9` and power loss; the interface lets a deployment put state elsewhere.
 * Nothing stored here may hold clear PII: dead letters arrive already redacted.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FatalError } from './errors.js';
import type { Json } from './plugin.js';

/** A record that could not be delivered, as stored. `record` is redacted before it gets here. */
export interface DeadLetterEntry {
  tenant: string;
  pipeline: string;
  component: string;
  stage: 'source' | 'transform' | 'sink';
  code: string;
  message: string;
  attempt: number;
  time: string;
  recordKind: string | null;
  recordKey: string | null;
  record: Json;
}

export interface AuditEventInput {
  action: string;
  actor?: string;
  subject?: string | null;
  details?: Json;
}

export interface AuditEvent extends Required<Omit<AuditEventInput, 'details'>> {
  id: number;
  tenant: string;
  at: string;
  details: Json;
}

export interface StateStore {
  loadCheckpoints(pipeline: string): Promise<Map<string, Json>>;
  /** Saves checkpoints atomically: all or none. */
  saveCheckpoints(pipeline: string, checkpoints: ReadonlyMap<string, Json>): Promise<void>;
  appendDeadLetter(entry: DeadLetterEntry): Promise<void>;
  listDeadLetters(filter?: { tenant?: string; pipeline?: string }): Promise<DeadLetterEntry[]>;
  appendAudit(tenant: string, event: AuditEventInput): Promise<void>;
  listAudit(filter?: { tenant?: string; action?: string }): Promise<AuditEvent[]>;
  getValue(namespace: string, key: string): Promise<Json | undefined>;
  listValues(namespace: string, options?: { prefix?: string; limit?: number }): Promise<Array<[string, Json]>>;
  /** Writes and deletes key-value pairs in one transaction (`undefined` deletes). */
  putValues(namespace: string, entries: ReadonlyArray<readonly [string, Json | undefined]>): Promise<void>;
  /** Removes all state of a tenant (checkpoints of its pipelines, dead letters, values under `tenant:`). */
  deleteTenant(tenant: string): Promise<void>;
  close(): Promise<void>;
}

/** Pipeline ids are `<tenant>/<name>`; tenant-wide deletes rely on that prefix. */
export function pipelineIdFor(tenant: string, name = 'main'): string {
  return `${tenant}/${name}`;
}

/** SQLite-backed state store. One file per deployment; safe for many pipelines in one process. */
export class SqliteStateStore implements StateStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string) {
    this.path = path;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS checkpoints (
          pipeline TEXT NOT NULL, partition TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
          PRIMARY KEY (pipeline, partition));
        CREATE TABLE IF NOT EXISTS dead_letters (
          id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, pipeline TEXT NOT NULL, component TEXT NOT NULL,
          stage TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, attempt INTEGER NOT NULL, time TEXT NOT NULL,
          record_kind TEXT, record_key TEXT, record TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
          action TEXT NOT NULL, subject TEXT, details TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS kv (
          namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (namespace, key));
      `);
    } catch (cause) {
      throw new FatalError('state_store_failed', `cannot open the state store at ${path}`, { cause });
    }
    const db = this.db;
    this.stmts = {
      loadCheckpoints: db.prepare('SELECT partition, value FROM checkpoints WHERE pipeline = ?'),
      upsertCheckpoint: db.prepare(
        'INSERT INTO checkpoints (pipeline, partition, value, updated_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (pipeline, partition) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      insertDeadLetter: db.prepare(
        'INSERT INTO dead_letters (tenant, pipeline, component, stage, code, message, attempt, time, record_kind, record_key, record) ' +
          'VALUES (@tenant, @pipeline, @component, @stage, @code, @message, @attempt, @time, @recordKind, @recordKey, @record)',
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit (tenant, at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getValue: db.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?'),
      putValue: db.prepare(
        'INSERT INTO kv (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value',
      ),
      deleteValue: db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?'),
    };
  }

  async loadCheckpoints(pipeline: string): Promise<Map<string, Json>> {
    const rows = this.stmts.loadCheckpoints.all(pipeline) as Array<{ partition: string; value: string }>;
    return new Map(rows.map((r) => [r.partition, JSON.parse(r.value) as Json]));
  }

  async saveCheckpoints(pipeline: string, checkpoints: ReadonlyMap<string, Json>): Promise<void> {
    if (checkpoints.size === 0) return;
    const now = new Date().toISOString();
    this.guard(() =>
      this.db.transaction(() => {
        for (const [partition, value] of checkpoints) {
          this.stmts.upsertCheckpoint.run(pipeline, partition, JSON.stringify(value), now);
        }
      })(),
    );
  }

  async appendDeadLetter(entry: DeadLetterEntry): Promise<void> {
    this.guard(() => this.stmts.insertDeadLetter.run({ ...entry, record: JSON.stringify(entry.record) }));
  }

  async listDeadLetters(filter: { tenant?: string; pipeline?: string } = {}): Promise<DeadLetterEntry[]> {
    const rows = this.db
      .prepare(
        'SELECT * FROM dead_letters WHERE (@tenant IS NULL OR tenant = @tenant) AND (@pipeline IS NULL OR pipeline = @pipeline) ORDER BY id',
      )
      .all({ tenant: filter.tenant ?? null, pipeline: filter.pipeline ?? null }) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      tenant: String(r.tenant),
      pipeline: String(r.pipeline),
      component: String(r.component),
      stage: r.stage as DeadLetterEntry['stage'],
      code: String(r.code),
      message: String(r.message),
      attempt: Number(r.attempt),
      time: String(r.time),
      recordKind: (r.record_kind as string | null) ?? null,
      recordKey: (r.record_key as string | null) ?? null,
      record: JSON.parse(String(r.record)) as Json,
    }));
  }

  async appendAudit(tenant: string, event: AuditEventInput): Promise<void> {
    this.guard(() =>
      this.stmts.insertAudit.run(
        tenant,
        new Date().toISOString(),
        event.actor ?? 'sluice',
        event.action,
        event.subject ?? null,
        JSON.stringify(event.details ?? null),
      ),
    );
  }

  async listAudit(filter: { tenant?: string; action?: string } = {}): Promise<AuditEvent[]> {
    const rows = this.db
      .prepare(
        'SELECT * FROM audit WHERE (@tenant IS NULL OR tenant = @tenant) AND (@action IS NULL OR action = @action) ORDER BY id',
      )
      .all({ tenant: filter.tenant ?? null, action: filter.action ?? null }) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: Number(r.id),
      tenant: String(r.tenant),
      at: String(r.at),
      actor: String(r.actor),
      action: String(r.action),
      subject: (r.subject as string | null) ?? null,
      details: JSON.parse(String(r.details)) as Json,
    }));
  }

  async getValue(namespace: string, key: string): Promise<Json | undefined> {
    const row = this.stmts.getValue.get(namespace, key) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as Json);
  }

  async listValues(
    namespace: string,
    options: { prefix?: string; limit?: number } = {},
  ): Promise<Array<[string, Json]>> {
    const prefix = options.prefix ?? '';
    const rows = this.db
      .prepare('SELECT key, value FROM kv WHERE namespace = ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?')
      .all(namespace, prefix.length, prefix, options.limit ?? -1) as Array<{ key: string; value: string }>;
    return rows.map((r) => [r.key, JSON.parse(r.value) as Json]);
  }

  async putValues(namespace: string, entries: ReadonlyArray<readonly [string, Json | undefined]>): Promise<void> {
    if (entries.length === 0) return;
    this.guard(() =>
      this.db.transaction(() => {
        for (const [key, value] of entries) {
          if (value === undefined) this.stmts.deleteValue.run(namespace, key);
          else this.stmts.putValue.run(namespace, key, JSON.stringify(value));
        }
      })(),
    );
  }

  async deleteTenant(tenant: string): Promise<void> {
    const prefix = `${tenant}/`;
    this.guard(() =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM checkpoints WHERE substr(pipeline, 1, ?) = ?').run(prefix.length, prefix);
        this.db.prepare('DELETE FROM dead_letters WHERE tenant = ?').run(tenant);
        this.db.prepare('DELETE FROM kv WHERE substr(key, 1, ?) = ?').run(tenant.length + 1, `${tenant}:`);
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (cause) {
      throw new FatalError('state_store_failed', `state store write failed (${this.path})`, { cause });
    }
  }
}

/** An in-memory state store for tests and throwaway runs. Not durable. */
export function createMemoryStateStore(): StateStore {
  return new SqliteStateStore(':memory:');
}
