/**
 * Governance transforms for Sluice: tokenize-pii, redact-email-domain, drop-text and the capture-level projections.
 */
export {};
