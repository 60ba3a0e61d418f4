/**
 * JSON Lines source for Sluice: replays canonical records from a file, checkpointed by line.
 */
export { jsonlSource } from './jsonl-source.js';
