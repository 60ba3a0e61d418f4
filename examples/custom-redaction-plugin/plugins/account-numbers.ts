/**
 * `account-numbers`: a custom redaction plugin. Internal customer account numbers (`ACCT-123456`) are
 * not PII the built-in detector knows, but they identify a customer just as well, so this transform
 * replaces each one with a token of entity type `ACCOUNT_NUMBER`, made with the same per-tenant keys
 * and token format as `tokenize-pii`: deterministic (joins and counts still work), self-delimiting,
 * and reversible with `sluice detokenize` when the policy asks for reversible tokens.
 */
import { Type } from '@sinclair/typebox';
import { defineTransform, FatalError, type MessageRecord, type SluiceRecord } from '@sluice/core';
import { createTokenizer, type TenantKeyring, type Tokenizer } from '@sluice/keys';

export const ENTITY_TYPE = 'ACCOUNT_NUMBER';

const Config = Type.Object(
  {
    prefix: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Z0-9]*-?$',
        default: 'ACCT-',
        description: 'What every account number starts with.',
      }),
    ),
    digits: Type.Optional(
      Type.Integer({ minimum: 4, maximum: 20, default: 6, description: 'How many digits follow the prefix.' }),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('one-way'), Type.Literal('reversible')], {
        default: 'one-way',
        description: 'one-way: HMAC tokens. reversible: tokens `sluice detokenize` can turn back.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A regular expression matching whole account numbers only (not inside longer words or numbers). */
export function accountNumberPattern(prefix = 'ACCT-', digits = 6): RegExp {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9])${escaped}\\d{${digits}}(?![0-9])`, 'g');
}

/** Structural Block Kit keys whose values are never text people wrote. */
const STRUCTURAL = new Set([
  'type',
  'style',
  'block_id',
  'action_id',
  'user_id',
  'channel_id',
  'team_id',
  'ts',
  'unicode',
]);

function tokenizeStrings(value: unknown, replace: (text: string) => string, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && STRUCTURAL.has(key) ? value : replace(value);
  if (Array.isArray(value)) return value.map((v) => tokenizeStrings(v, replace));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tokenizeStrings(v, replace, k)]));
  }
  return value;
}

export default defineTransform({
  type: 'account-numbers',
  version: '1.0.0',
  summary: 'Tokenizes internal customer account numbers (ACCT-123456) in message text, blocks and attachments.',
  configSchema: Config,
  describe: (config) => [
    {
      kinds: ['message'],
      fields: ['text', 'blocks', 'attachments'],
      effect: 'tokenized',
      note: `${config.prefix ?? 'ACCT-'}${'#'.repeat(config.digits ?? 6)} account numbers (${config.mode ?? 'one-way'} ${ENTITY_TYPE} tokens)`,
    },
  ],
  async create(config, ctx) {
    // The same keyring tokenize-pii uses. Without it, refuse to start: never pass numbers through.
    const keyring = ctx.services.get<TenantKeyring>('keys');
    if (keyring === undefined) {
      throw new FatalError(
        'key_missing',
        'account-numbers needs the tenant keyring: add a "keys" section to the policy',
      );
    }
    const tokenizer: Tokenizer = await createTokenizer(keyring, {
      tenant: ctx.tenant,
      mode: config.mode === 'reversible' ? 'reversible' : 'hmac',
    });
    const pattern = accountNumberPattern(config.prefix, config.digits);
    const replace = (text: string) => text.replace(pattern, (match) => tokenizer.tokenize(ENTITY_TYPE, match));

    return function tokenizeAccountNumbers(record: SluiceRecord): SluiceRecord {
      if (record.kind !== 'message') return record;
      // A new object: never mutate the record you were given.
      const out: MessageRecord = { ...record };
      if (typeof out.text === 'string') out.text = replace(out.text);
      if (out.blocks != null) out.blocks = tokenizeStrings(out.blocks, replace);
      if (out.attachments != null) out.attachments = tokenizeStrings(out.attachments, replace);
      return out;
    };
  },
});
