/**
 * Protocol simulators and test helpers for Sluice: a Slack Web API + Socket Mode simulator (also at
 * `@sluice/testkit/slack`) and a Cloud KMS REST simulator (also at `@sluice/testkit/kms`), for tests,
 * demos and for users trying policies and plugins offline. Everything binds 127.0.0.1 only.
 */
export type { KmsSimulator, KmsSimulatorOptions, KmsVersionState } from './kms/index.js';
export { DEFAULT_KMS_ACCESS_TOKEN, startKmsSimulator } from './kms/index.js';
export type {
  SlackSimulator,
  SlackSimulatorOptions,
  SyntheticWorkspaceOptions,
  WorkspaceSeed,
} from './slack/index.js';
export {
  formatSimulatorBanner,
  generateSyntheticWorkspace,
  loadSlackExport,
  SlackWorkspace,
  startSlackSimulator,
  writeSlackExport,
} from './slack/index.js';
