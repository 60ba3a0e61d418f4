/**
 * The data inventory a security reviewer asks for: for each table, every column that will be stored
 * at this policy, its sensitivity, and what the transform chain does to it. Built from the record
 * schemas and from each transform's own `describe` declaration, so it cannot drift from the code.
 */
import {
  type FieldEffect,
  RECORD_KINDS,
  type RecordKind,
  type ResolvedPipeline,
  recordFields,
  type Sensitivity,
} from '@sluice/core';

export type ColumnTreatment = 'stored' | 'dropped' | 'tokenized' | 'domain-only' | 'modified';

export interface ColumnInventory {
  column: string;
  sensitivity: Sensitivity;
  treatment: ColumnTreatment;
  /** Which components decided the treatment, in order. */
  by: string[];
  notes: string[];
  description: string;
}

export interface TableInventory {
  kind: RecordKind;
  columns: ColumnInventory[];
}

const TABLE_NAMES: Record<RecordKind, string> = {
  user: 'users',
  channel: 'channels',
  message: 'messages',
  audit: 'audit_events',
};

export function tableName(kind: RecordKind): string {
  return TABLE_NAMES[kind];
}

/** Computes the inventory of a resolved pipeline. */
export function explainPipeline(resolved: ResolvedPipeline): TableInventory[] {
  return RECORD_KINDS.map((kind) => {
    const columns: ColumnInventory[] = recordFields(kind).map((f) => ({
      column: f.name,
      sensitivity: f.sensitivity,
      treatment: 'stored',
      by: [],
      notes: [],
      description: f.description,
    }));
    for (const t of resolved.transforms) {
      const effects: readonly FieldEffect[] = t.definition.describe
        ? t.definition.describe(t.config as never)
        : [{ effect: 'modified', note: 'custom plugin: effect not declared', sensitivities: ['pii', 'text'] }];
      for (const effect of effects) {
        if (effect.kinds && !effect.kinds.includes(kind)) continue;
        for (const col of columns) {
          const matches =
            (effect.fields?.includes(col.column) ?? false) ||
            (effect.sensitivities?.includes(col.sensitivity) ?? false);
          if (!matches) continue;
          col.treatment = combine(col.treatment, effect.effect);
          col.by.push(t.id);
          if (effect.note) col.notes.push(effect.note);
        }
      }
    }
    return { kind, columns };
  });
}

/** Dropping is final; tokenizing or reducing a value is stronger than a generic modification. */
function combine(current: ColumnTreatment, next: FieldEffect['effect']): ColumnTreatment {
  if (current === 'dropped' || next === 'dropped') return 'dropped';
  if (next === 'modified') return current === 'stored' ? 'modified' : current;
  return next;
}

const LABEL: Record<ColumnTreatment, string> = {
  stored: 'stored as is',
  dropped: 'not stored (null)',
  tokenized: 'PII replaced by tokens',
  'domain-only': 'email domain only',
  modified: 'changed by a plugin',
};

/** Plain-text rendering for the terminal. */
export function formatInventory(tables: readonly TableInventory[], header: string[] = []): string {
  const lines = [...header];
  for (const table of tables) {
    lines.push('', `${tableName(table.kind)} (${table.kind} records)`);
    const width = Math.max(...table.columns.map((c) => c.column.length), 6);
    lines.push(`  ${'column'.padEnd(width)}  ${'sensitivity'.padEnd(11)}  at this policy`);
    for (const c of table.columns) {
      const detail = [LABEL[c.treatment], ...c.notes].join('; ');
      const by = c.by.length ? `  [${[...new Set(c.by)].join(', ')}]` : '';
      const flag =
        c.treatment === 'stored' && (c.sensitivity === 'pii' || c.sensitivity === 'text') ? '  !! clear' : '';
      lines.push(`  ${c.column.padEnd(width)}  ${c.sensitivity.padEnd(11)}  ${detail}${by}${flag}`);
    }
  }
  return lines.join('\n');
}
