/**
 * Redaction for dead letters. A record that failed before every privacy transform ran must not be
 * stored in clear, so its `pii` and `text` fields are withheld (replaced by null and listed in
 * `_withheld`). A record that failed after the privacy chain is stored as the chain left it.
 */
import type { Json } from './plugin.js';
import { isRecordKind, recordFields, type SluiceRecord } from './records.js';

export function redactForDeadLetter(current: SluiceRecord, protectedRecord: SluiceRecord | null): Json {
  if (protectedRecord !== null) return toJson(protectedRecord);
  const raw = current as unknown as Record<string, unknown>;
  if (!isRecordKind(raw?.kind)) {
    // Unknown shape: keep only the envelope, if it is made of plain values.
    const out: Record<string, Json> = { _withheld: ['*'] };
    for (const k of ['kind', 'tenant', 'key', 'version', 'op']) {
      const v = raw?.[k];
      if (typeof v === 'string' || typeof v === 'number') out[k] = v;
    }
    return out;
  }
  const fields = recordFields(raw.kind);
  const safe = new Set(fields.filter((f) => f.sensitivity === 'id' || f.sensitivity === 'metadata').map((f) => f.name));
  const out: Record<string, Json> = {};
  const withheld: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (safe.has(k)) out[k] = toJson(v);
    else withheld.push(k);
  }
  out._withheld = withheld;
  return out;
}

function toJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}
