/**
 * Governance transforms for Sluice: the building blocks of the capture levels (`drop-text`,
 * `redact-user-profile`, `redact-email-domain`) and PII tokenization (`tokenize-pii`). Test helpers for
 * plugin authors live in `@sluice/testkit/canaries`.
 */
export { dropText } from './drop-text.js';
export { PII_FIELDS, TEXT_FIELDS } from './fields.js';
export { emailDomain, redactEmailDomain } from './redact-email-domain.js';
export { redactUserProfile } from './redact-user-profile.js';
export { DEFAULT_TOKENIZE_ENTITIES, PiiTokenizer, TokenizePiiConfigSchema, tokenizePii } from './tokenize-pii.js';
