/**
 * Embedded DuckDB sink for Sluice: one table per record kind, idempotent upserts, ack after commit.
 */
export {};
