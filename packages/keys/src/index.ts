/**
 * Per-tenant token keys wrapped by a KMS key (Cloud KMS or local), deterministic and reversible tokens.
 */
export {};
