/**
 * Sealed namespaces of a state store. Some state must hold content for a while (the live-event buffer
 * holds Slack payloads between the ack to Slack and the sink's write); such namespaces are sealed with
 * the tenant's key before they reach the store, so the state file never holds clear PII. Every value of
 * a sealed namespace is sealed, whatever its type: a string can hold PII as well as an object can.
 */
import { FatalError } from './errors.js';
import type { Json } from './plugin.js';
import type { StateStore } from './state.js';

/** Seals and opens strings with a tenant key (e.g. reversible AES-SIV tokens from `@sluice/keys`). */
export interface ValueSealer {
  seal(plaintext: string): string | Promise<string>;
  open(sealed: string): string | Promise<string>;
}

/** Service name under which pipelines find the tenant's sealer. */
export const STATE_SEALER_SERVICE = 'state.sealer';

const SEALED = '$sealed';

/** A view of `store` in which the given namespaces are sealed with `sealer`. */
export function sealNamespaces(store: StateStore, sealer: ValueSealer, namespaces: readonly string[]): StateStore {
  const sealed = new Set(namespaces);
  const seal = async (value: Json | undefined): Promise<Json | undefined> =>
    value === undefined ? undefined : { [SEALED]: await sealer.seal(JSON.stringify(value)) };
  const open = async (value: Json | undefined): Promise<Json | undefined> => {
    if (value === undefined) return undefined;
    const token =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, Json>)[SEALED]
        : undefined;
    if (typeof token !== 'string') {
      // Never hand content that should have been sealed back as if it were fine.
      throw new FatalError('state_store_failed', 'a sealed state namespace holds an unsealed value');
    }
    return JSON.parse(await sealer.open(token)) as Json;
  };
  return {
    loadCheckpoints: (pipeline) => store.loadCheckpoints(pipeline),
    saveCheckpoints: (pipeline, checkpoints) => store.saveCheckpoints(pipeline, checkpoints),
    appendDeadLetter: (entry) => store.appendDeadLetter(entry),
    listDeadLetters: (filter) => store.listDeadLetters(filter),
    appendAudit: (tenant, event) => store.appendAudit(tenant, event),
    listAudit: (filter) => store.listAudit(filter),
    deleteTenant: (tenant) => store.deleteTenant(tenant),
    close: () => store.close(),
    async getValue(namespace, key) {
      const value = await store.getValue(namespace, key);
      return sealed.has(namespace) ? open(value) : value;
    },
    async listValues(namespace, options) {
      const rows = await store.listValues(namespace, options);
      if (!sealed.has(namespace)) return rows;
      return Promise.all(rows.map(async ([k, v]) => [k, (await open(v)) as Json] as [string, Json]));
    },
    async putValues(namespace, entries) {
      if (!sealed.has(namespace)) return store.putValues(namespace, entries);
      const out = await Promise.all(entries.map(async ([k, v]) => [k, await seal(v)] as const));
      return store.putValues(namespace, out);
    },
  };
}
