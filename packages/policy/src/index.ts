/**
 * Sluice policy files: the JSON Schema (generated from TypeBox), loading and validation with errors
 * that name the file and JSON pointer, `${env:…}` secrets, capture presets and the data inventory.
 */
export type { ColumnInventory, ColumnTreatment, TableInventory } from './explain.js';
export { explainPipeline, formatInventory, tableName } from './explain.js';
export type { LoadedPolicy, LoadOptions } from './load.js';
export { loadPolicyFile, parsePolicy } from './load.js';
export {
  captureLevels,
  DEFAULT_TOKENIZED_ENTITIES,
  messagesPreset,
  pipelineConfigFromPolicy,
  usersPreset,
} from './presets.js';
export type { MessagesCaptureLevel, Policy, UsersCaptureLevel } from './schema.js';
export { POLICY_SCHEMA_ID, PolicySchema, policyJsonSchema } from './schema.js';
