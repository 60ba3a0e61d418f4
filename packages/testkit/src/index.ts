/**
 * Protocol simulators (Slack Web API + Socket Mode, Cloud KMS) and test helpers for Sluice pipelines and plugins.
 */
export {};
