/**
 * Sluice pipeline core: the plugin API (`defineSource`, `defineTransform`, `defineSink`), the RxJS
 * pipeline with acknowledgements and capped checkpoints, dead letters, the state store, errors and logging.
 */
export type { ConfigIssue, FailureClass, SluiceErrorCode, SluiceErrorOptions } from './errors.js';
export {
  ConfigError,
  errorCodeOf,
  FatalError,
  formatConfigIssues,
  isSluiceError,
  PermanentError,
  RetryableError,
  SluiceError,
  safeErrorMessage,
} from './errors.js';
