/**
 * The sluice command: validate, explain, run, schema, detect, sim.
 */
export {};
