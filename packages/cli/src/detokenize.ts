/**
 * `sluice detokenize <policy> <token>...`: turns reversible tokens of the policy's tenant back into
 * their values, for the rare, audited case where a person must see one. Only reversible (`r`) tokens
 * can be reversed, only with access to the tenant's key, and every value is audited (action
 * `detokenize`, subject = entity type and key version, never the value) before it is printed.
 */
import { userInfo } from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, createLogger, type Logger } from '@sluice/core';
import { createTokenizer, type DetokenizedValue, KeyUnavailableError, parseToken } from '@sluice/keys';
import { loadPolicyFile } from '@sluice/policy';
import { openKeyring } from './keys.js';
import { openStateStore } from './runtime.js';

export interface DetokenizeOptions {
  logger?: Logger;
  /** Who asks, for the audit trail. Default `cli:<os user>`. */
  actor?: string;
}

/**
 * Detokenizes every token (all or nothing), audits each, and returns the values in order.
 * Throws `ConfigError` (exit 2) for a malformed token, `TokenError` `detokenize_not_allowed` or
 * `token_invalid` (exit 1) for a one-way or foreign token, and `KeyUnavailableError` when the key is unusable.
 * @example
 * const [email] = await detokenizeTokens('policy.json', ['[EMAIL-ADDRESS.v1.r.…]']);
 */
export async function detokenizeTokens(
  file: string,
  tokens: readonly string[],
  options: DetokenizeOptions = {},
): Promise<DetokenizedValue[]> {
  const malformed = tokens.flatMap((token, i) =>
    parseToken(token) === undefined
      ? [
          {
            path: `/tokens/${i}`,
            code: 'token_format',
            message: `argument ${i + 1} is not a Sluice token`,
            hint: 'tokens look like [EMAIL-ADDRESS.v1.r.<base32>], brackets included (quote them in the shell)',
          },
        ]
      : [],
  );
  if (malformed.length > 0) throw new ConfigError('token_invalid', undefined, malformed);
  const logger = options.logger ?? createLogger();
  const loaded = await loadPolicyFile(file, { skipEnv: true });
  const tenant = loaded.policy.tenant;
  const opened = await openKeyring(loaded, logger);
  try {
    // Never create a key just to fail: a tenant without keys has no tokens to reverse.
    if ((await opened.store.get(tenant)).length === 0) {
      throw new KeyUnavailableError('key_missing', tenant, `The key store has no data key for tenant ${tenant}.`);
    }
    const tokenizer = await createTokenizer(opened.keyring, { tenant, mode: 'reversible' });
    const values: DetokenizedValue[] = [];
    for (const token of tokens) values.push(await tokenizer.detokenize(token));
    const state = openStateStore(loaded);
    try {
      const actor = options.actor ?? `cli:${safeUser()}`;
      for (const v of values) {
        await state.appendAudit(tenant, {
          action: 'detokenize',
          actor,
          subject: `${v.entityType}/v${v.keyVersion}`,
          details: { entityType: v.entityType, keyVersion: v.keyVersion },
        });
      }
    } finally {
      await state.close();
    }
    return values;
  } finally {
    await opened.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const OPTIONS = { json: { type: 'boolean' } } satisfies NonNullable<ParseArgsConfig['options']>;

/** The `detokenize` command: prints one value per line (or `--json` objects), after auditing. */
export async function detokenizeCommand(
  args: readonly string[],
  out: (text: string) => void,
  options: DetokenizeOptions = {},
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const [file, ...tokens] = parsed.positionals;
  if (!file) throw usage('missing <policy> argument');
  if (tokens.length === 0) throw usage('missing <token> argument');
  const values = await detokenizeTokens(file, tokens, options);
  for (const v of values) {
    out(
      parsed.values.json
        ? JSON.stringify({ entityType: v.entityType, keyVersion: v.keyVersion, value: v.value })
        : v.value,
    );
  }
  return 0;
}

function usage(message: string): ConfigError {
  return new ConfigError('policy_invalid', undefined, [
    { path: '', code: 'usage', message, hint: 'sluice detokenize <policy> <token>... [--json]' },
  ]);
}
