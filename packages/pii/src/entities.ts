/**
 * Entity vocabulary shared by every recognizer: the names follow Microsoft Presidio so that policies and
 * tokens read the same as in the wider PII tooling world, plus `SECRET` for credentials.
 */

/** Every entity type the detector can report. */
export const ENTITY_TYPES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
  'URL',
  'PERSON',
  'SECRET',
] as const;

/** A Presidio entity name, or `SECRET`. */
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * One detected span. Offsets are UTF-16 code units (JavaScript string indices), `end` exclusive, so
 * `text.slice(start, end)` is the detected value.
 */
export interface DetectedEntity {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
  /** Confidence in [0, 1]; overlaps are resolved by score, then by length. */
  readonly score: number;
}

/** Type guard for strings read from config or JSON. */
export function isEntityType(value: unknown): value is EntityType {
  return typeof value === 'string' && (ENTITY_TYPES as readonly string[]).includes(value);
}
