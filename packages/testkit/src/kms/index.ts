/**
 * Cloud KMS simulator (`@sluice/testkit/kms`): the REST surface of Google Cloud KMS that the official
 * `@google-cloud/kms` client talks to with `fallback: true`, with real AES-GCM, version states,
 * CRC32C checks and Google's error bodies, for fail-closed tests of key handling.
 */
export { crc32c } from './crc32c.js';
export type { GrpcStatusName } from './errors.js';
export { GRPC_HTTP_STATUS, KmsApiError } from './errors.js';
export type {
  KmsInjectedFailure,
  KmsKeyInfo,
  KmsMethod,
  KmsSimulator,
  KmsSimulatorOptions,
  KmsSimulatorStats,
  KmsVersionState,
} from './simulator.js';
export { DEFAULT_KMS_ACCESS_TOKEN, startKmsSimulator } from './simulator.js';
