/**
 * Cloud KMS REST simulator.
 */
export {};
