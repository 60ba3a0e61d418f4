/**
 * Which columns hold what, per record kind, read from the record schemas' `x-sensitivity`: the
 * transforms act on every field of a sensitivity, so a field added to a schema is governed at once.
 */
import { fieldsWithSensitivity, RECORD_KINDS, type RecordKind } from '@sluice/core';

const build = (sensitivity: 'text' | 'pii') =>
  Object.fromEntries(RECORD_KINDS.map((k) => [k, fieldsWithSensitivity(k, [sensitivity])])) as Record<
    RecordKind,
    readonly string[]
  >;

/** Free-text fields (message text, blocks, attachments, files, channel topic and purpose). */
export const TEXT_FIELDS = build('text');
/** Fields about a person (names, title, email, phone, embedded profiles). */
export const PII_FIELDS = build('pii');

/** A shallow copy with the given fields set to null (only those present or required stay keys). */
export function nullFields<T extends object>(record: T, fields: readonly string[]): T {
  const out = { ...record } as Record<string, unknown>;
  for (const f of fields) if (f in out) out[f] = null;
  return out as T;
}
