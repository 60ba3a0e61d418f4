/**
 * The sluice command, and the runtime it uses, for applications that embed Sluice: load a policy,
 * run it, explain it, delete a tenant.
 */
export { builtinPlugins } from './builtins.js';
export type { CliIo } from './cli.js';
export { main } from './cli.js';
export type { DetokenizeOptions } from './detokenize.js';
export { detokenizeTokens } from './detokenize.js';
export type { OpenedKeyring } from './keys.js';
export { cloudKmsClientOptions, createKeyServices, deleteTenantKeys, openKeyring } from './keys.js';
export type { PreparedPolicy, RunOptions, RunResult } from './runtime.js';
export { deleteTenantData, openStateStore, preparePolicy, runPolicyFile, statePathFor } from './runtime.js';
