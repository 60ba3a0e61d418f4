/**
 * JSON Lines sink for Sluice: one file per record kind, fsynced before ack.
 */
export {};
