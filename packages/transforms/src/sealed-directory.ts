/**
 * The PERSON directory of `tokenize-pii`, kept across runs. Names are learned from the `user` records
 * that pass through, but an incremental run does not read users again, so without memory a name would
 * stop being detected in new messages. The names are stored in the state store sealed as reversible
 * PERSON tokens of the tenant (AES-SIV under its data key): never in clear, unreadable without the key,
 * and removed with the tenant's other state by `sluice delete-tenant` (keys start with `<tenant>:`).
 */
import type { Logger, StateStore } from '@sluice/core';
import { isSluiceError } from '@sluice/core';
import type { Tokenizer } from '@sluice/keys';

export const DIRECTORY_NAMESPACE = 'tokenize-pii.directory';

export class SealedDirectory {
  readonly #state: StateStore;
  readonly #tenant: string;
  readonly #sealer: Tokenizer;
  readonly #logger: Logger;
  /** Sealed names per owner (user ID), as stored. */
  readonly #byOwner = new Map<string, Map<string, string>>();

  /** `sealer` must be a reversible tokenizer of the tenant. */
  constructor(state: StateStore, tenant: string, sealer: Tokenizer, logger: Logger) {
    if (sealer.mode !== 'reversible') throw new TypeError('the directory sealer must be reversible');
    this.#state = state;
    this.#tenant = tenant;
    this.#sealer = sealer;
    this.#logger = logger;
  }

  /** Every stored name, unsealed. An entry that no longer unseals (e.g. a restored key store) is skipped. */
  async load(): Promise<string[]> {
    const rows = await this.#state.listValues(DIRECTORY_NAMESPACE, { prefix: `${this.#tenant}:` });
    const names: string[] = [];
    let skipped = 0;
    for (const [key, value] of rows) {
      const owner = key.slice(this.#tenant.length + 1);
      const sealed = (value as { names?: unknown } | null)?.names;
      if (!Array.isArray(sealed)) continue;
      const known = new Map<string, string>();
      for (const token of sealed) {
        if (typeof token !== 'string') continue;
        try {
          const { value: name } = await this.#sealer.detokenize(token);
          known.set(name, token);
          names.push(name);
        } catch (error) {
          if (isSluiceError(error) && error.failure === 'fatal') throw error;
          skipped++;
        }
      }
      this.#byOwner.set(owner, known);
    }
    if (skipped > 0) this.#logger.warn({ skipped }, 'directory names that no longer unseal were skipped');
    return names;
  }

  /** Stores new names of their owners (one transaction), merged with what each owner had. */
  async save(learned: ReadonlyArray<readonly [owner: string, names: readonly string[]]>): Promise<void> {
    const touched = new Set<string>();
    for (const [owner, names] of learned) {
      let known = this.#byOwner.get(owner);
      if (known === undefined) {
        known = new Map();
        this.#byOwner.set(owner, known);
      }
      for (const name of names) {
        if (!known.has(name)) {
          known.set(name, this.#sealer.tokenize('PERSON', name));
          touched.add(owner);
        }
      }
    }
    if (touched.size === 0) return;
    await this.#state.putValues(
      DIRECTORY_NAMESPACE,
      [...touched].map((owner) => [
        `${this.#tenant}:${owner}`,
        { names: [...(this.#byOwner.get(owner)?.values() ?? [])] },
      ]),
    );
  }
}
