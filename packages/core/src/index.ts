/**
 * Sluice pipeline core: plugin API, RxJS pipeline, acknowledgements and checkpoints, dead letters, state store, errors, logging.
 */
export {};
