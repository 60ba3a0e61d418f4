/**
 * PII and secret detection for Slack text: Presidio entity names, validators, directory-based PERSON matching.
 */
export {};
