/**
 * Validates records against the canonical schemas. Returns a short description that names the field
 * and the rule, never the offending value (it could be PII).
 */
import { isRecordKind, RECORD_SCHEMAS } from './records.js';
import { validateAgainst } from './validation.js';

export function validateRecord(record: unknown): string | null {
  const kind = (record as { kind?: unknown } | null)?.kind;
  if (!isRecordKind(kind)) return 'record has no known kind (user, channel, message, audit)';
  const issues = validateAgainst(RECORD_SCHEMAS[kind], record);
  if (issues.length === 0) return null;
  return `invalid ${kind} record: ${issues
    .slice(0, 5)
    .map((i) => `${i.path || '/'} ${i.message}`)
    .join('; ')}`;
}
