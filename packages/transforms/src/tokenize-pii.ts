/**
 * `tokenize-pii`: the `tokenized` capture level. Every text-bearing field (message text, Block Kit
 * blocks, attachments and unfurls, files, profiles embedded in messages, channel topic and purpose) is
 * scanned by the `@sluice/pii` detector and each detected span is replaced by a deterministic token of
 * the tenant (`[EMAIL-ADDRESS.v1.h.…]`), so joins and counts still work but no value is stored in
 * clear. PERSON detection uses the workspace directory, learned from the `user` records that pass
 * through (the capture presets that drop names run after this transform). Keys come from the
 * pipeline's `keys` service; without it the transform refuses to start (fail closed).
 */
import { Type } from '@sinclair/typebox';
import {
  type ChannelRecord,
  defineTransform,
  FatalError,
  isSluiceError,
  type MessageRecord,
  PermanentError,
  type PluginContext,
  type SluiceRecord,
  type UserRecord,
} from '@sluice/core';
import { createTokenizer, findTokens, type TenantKeyring, type Tokenizer } from '@sluice/keys';
import {
  createDetector,
  type DetectedEntity,
  type Detector,
  ENTITY_TYPES,
  type EntityType,
  resolveOverlaps,
} from '@sluice/pii';
import { SealedDirectory } from './sealed-directory.js';

/** Entity types tokenized when the config names none: every type but URL (links are rarely personal). */
export const DEFAULT_TOKENIZE_ENTITIES: readonly EntityType[] = ENTITY_TYPES.filter((t) => t !== 'URL');

export const TokenizePiiConfigSchema = Type.Object(
  {
    mode: Type.Optional(
      Type.Union([Type.Literal('one-way'), Type.Literal('reversible')], {
        default: 'one-way',
        description:
          'one-way: HMAC tokens, never reversible. reversible: AES-SIV tokens, detokenized only with the key.',
      }),
    ),
    entities: Type.Optional(
      Type.Array(Type.Union(ENTITY_TYPES.map((t) => Type.Literal(t))), {
        uniqueItems: true,
        description: 'Entity types to tokenize (default: every type but URL).',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Keys whose string values are structure or Slack IDs, not text people wrote. They are left alone only
 * when the value looks like an identifier (one word, no `@` or `+`), so a misplaced value still gets scanned.
 */
const STRUCTURAL_KEYS = new Set([
  'type',
  'style',
  'block_id',
  'action_id',
  'id',
  'ts',
  'thread_ts',
  'user',
  'channel',
  'team',
  'mimetype',
  'filetype',
  'mode',
  'unicode',
  'skin_tone',
  'format',
  'range',
  'color',
  'created',
  'timestamp',
  'avatar_hash',
]);
const IDENTIFIER = /^[\w.:^{}/-]{0,100}$/;

/** Keys of a profile embedded in a message (exports) that hold a name, an email or a phone, whole. */
const PROFILE_WHOLE_VALUES: Readonly<Record<string, EntityType>> = {
  real_name: 'PERSON',
  real_name_normalized: 'PERSON',
  display_name: 'PERSON',
  display_name_normalized: 'PERSON',
  first_name: 'PERSON',
  last_name: 'PERSON',
  name: 'PERSON',
  email: 'EMAIL_ADDRESS',
  phone: 'PHONE_NUMBER',
};

function isStructural(key: string | undefined, value: string): boolean {
  if (key === undefined) return false;
  return (STRUCTURAL_KEYS.has(key) || key.endsWith('_id') || key.endsWith('_ts')) && IDENTIFIER.test(value);
}

/** Drops spans that touch an existing token, so tokenizing tokenized text changes nothing. */
function outsideTokens(text: string, spans: readonly DetectedEntity[]): readonly DetectedEntity[] {
  if (spans.length === 0 || text.indexOf('[') === -1) return spans;
  const tokens = findTokens(text);
  if (tokens.length === 0) return spans;
  return spans.filter((s) => !tokens.some((t) => s.start < t.index + t.token.length && t.index < s.end));
}

/** Case only, for emails: `<mailto:Ada@X.com|ada@x.com>` gives one token and joins across spellings. */
function normalize(type: EntityType, value: string): string {
  return type === 'EMAIL_ADDRESS' ? value.toLowerCase() : value;
}

/**
 * Rewrites records with their PII replaced by tokens. Exposed for tests and embedding; the plugin
 * below builds one per pipeline.
 */
export class PiiTokenizer {
  readonly #tokenizer: Tokenizer;
  readonly #entities: readonly EntityType[];
  readonly #tokenizePerson: boolean;
  readonly #names = new Set<string>();
  readonly #learned: Array<[owner: string, names: string[]]> = [];
  #detector: Detector | undefined;
  /** PERSON detector for names learned since `#detector` was built (the first `#baseSize` names). */
  #delta: Detector | undefined;
  #baseSize = 0;
  /** Directory names changed since the detectors were built: rebuilt once, at the next detection. */
  #dirty = true;

  constructor(tokenizer: Tokenizer, entities: readonly EntityType[]) {
    this.#tokenizer = tokenizer;
    this.#entities = entities;
    this.#tokenizePerson = entities.includes('PERSON');
  }

  /** Number of distinct directory names learned so far. */
  get directorySize(): number {
    return this.#names.size;
  }

  /**
   * Adds names to the PERSON directory and returns those that were new. The detector is rebuilt lazily,
   * at the next detection, so a run of user records costs one rebuild. With an `owner` (a user ID), the
   * new names are also queued for `takeLearned`, so the caller can persist them.
   */
  learnNames(names: Iterable<string | null | undefined>, owner?: string | null): string[] {
    const added: string[] = [];
    for (const raw of names) {
      const name = typeof raw === 'string' ? raw.trim() : '';
      if (name.length === 0 || this.#names.has(name) || findTokens(name).length > 0) continue;
      this.#names.add(name);
      added.push(name);
    }
    if (added.length > 0 && this.#tokenizePerson) this.#dirty = true;
    if (added.length > 0 && typeof owner === 'string' && owner !== '') this.#learned.push([owner, added]);
    return added;
  }

  /** Names learned from records since the last call, by owner; clears the queue. */
  takeLearned(): Array<[owner: string, names: string[]]> {
    return this.#learned.splice(0);
  }

  /** The record with every text-bearing field tokenized; a new object, the input is not touched. */
  record(record: SluiceRecord): SluiceRecord {
    switch (record.kind) {
      case 'user':
        this.#learnUser(record);
        return { ...record };
      case 'channel':
        return this.#channel(record);
      case 'message':
        return this.#message(record);
      default:
        return { ...record };
    }
  }

  /** `text` with each detected span replaced by its token; spans inside existing tokens are kept. */
  text(text: string): string {
    if (text.length === 0) return text;
    const spans = outsideTokens(text, this.#detect(text));
    if (spans.length === 0) return text;
    // From the end, so the UTF-16 offsets of earlier spans stay valid.
    const sorted = [...spans].sort((a, b) => b.start - a.start);
    let out = text;
    for (const span of sorted) {
      const value = out.slice(span.start, span.end);
      out = out.slice(0, span.start) + this.#token(span.type, value) + out.slice(span.end);
    }
    return out;
  }

  /** Any JSON value with every text string leaf tokenized (structure and IDs left alone). */
  json(value: unknown, key?: string, parentType?: unknown): unknown {
    if (typeof value === 'string') {
      if (isStructural(key, value)) return value;
      if (key === 'name' && parentType === 'emoji' && IDENTIFIER.test(value)) return value;
      return this.text(value);
    }
    if (Array.isArray(value)) return value.map((v) => this.json(v, key, parentType));
    if (typeof value === 'object' && value !== null) {
      const type = (value as { type?: unknown }).type;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.json(v, k, type);
      return out;
    }
    return value;
  }

  #token(type: EntityType, value: string): string {
    return this.#tokenizer.tokenize(type, normalize(type, value));
  }

  /**
   * Detection with the directory as learned so far. New names go to a small PERSON-only detector
   * (cheap to rebuild) until they are many, then everything is rebuilt once: a stream that
   * interleaves new users and messages costs O(n log n) directory builds, not O(n²).
   */
  #detect(text: string): DetectedEntity[] {
    if (this.#detector === undefined) {
      this.#detector = this.#build(this.#entities, [...this.#names]);
      this.#baseSize = this.#names.size;
      this.#dirty = false;
    } else if (this.#dirty) {
      const added = [...this.#names].slice(this.#baseSize);
      if (added.length > Math.max(64, this.#baseSize / 4)) {
        this.#detector = this.#build(this.#entities, [...this.#names]);
        this.#baseSize = this.#names.size;
        this.#delta = undefined;
      } else {
        this.#delta = this.#build(['PERSON'], added);
      }
      this.#dirty = false;
    }
    const spans = this.#detector.detect(text);
    if (this.#delta === undefined) return spans;
    const more = this.#delta.detect(text);
    return more.length === 0 ? spans : resolveOverlaps([...spans, ...more]);
  }

  #build(entities: readonly EntityType[], names: readonly string[]): Detector {
    return createDetector({ entities, ...(this.#tokenizePerson ? { directory: { names } } : {}) });
  }

  #learnUser(user: UserRecord): void {
    if (user.is_bot === true) return; // "Jira" or "GitHub" are not people; tokenizing them would only hurt.
    this.learnNames([user.real_name, user.display_name], user.user_id);
  }

  #channel(channel: ChannelRecord): ChannelRecord {
    const out = { ...channel };
    if (typeof out.topic === 'string') out.topic = this.text(out.topic);
    if (typeof out.purpose === 'string') out.purpose = this.text(out.purpose);
    return out;
  }

  #message(message: MessageRecord): MessageRecord {
    const out = { ...message };
    if (isObject(out.user_profile)) {
      // Learn the author's names first, so the message that carries the profile is covered too.
      const p = out.user_profile;
      this.learnNames(
        [p.real_name, p.display_name].map((v) => (typeof v === 'string' ? v : undefined)),
        message.user_id,
      );
      out.user_profile = this.#profile(p);
    } else if (out.user_profile != null) {
      out.user_profile = this.json(out.user_profile);
    }
    if (typeof out.text === 'string') out.text = this.text(out.text);
    if (out.blocks != null) out.blocks = this.json(out.blocks);
    if (out.attachments != null) out.attachments = this.json(out.attachments);
    if (out.files != null) out.files = this.json(out.files);
    return out;
  }

  #profile(profile: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(profile)) {
      const whole = PROFILE_WHOLE_VALUES[k];
      if (
        typeof v === 'string' &&
        v.trim() !== '' &&
        whole !== undefined &&
        this.#entities.includes(whole) &&
        findTokens(v).length === 0
      ) {
        out[k] = this.#token(whole, v.trim());
      } else {
        out[k] = this.json(v, k);
      }
    }
    return out;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyringOf(ctx: PluginContext): TenantKeyring {
  const keyring = ctx.services.get<TenantKeyring>('keys');
  if (keyring === undefined) {
    throw new FatalError(
      'key_missing',
      'tokenize-pii needs the tenant keyring (service "keys"): configure "keys" in the policy, or register a TenantKeyring under "keys" when embedding',
      { component: ctx.componentId },
    );
  }
  return keyring;
}

/**
 * Tokenizes PII in every text-bearing field.
 * @example
 * // policy: { "capture": { "messages": "tokenized" } } expands to
 * // { "use": "tokenize-pii", "with": { "mode": "one-way", "entities": ["EMAIL_ADDRESS", "PERSON"] } }
 */
export const tokenizePii = defineTransform({
  type: 'tokenize-pii',
  version: '0.1.0',
  summary: 'Replaces PII in every text field by deterministic per-tenant tokens (one-way or reversible).',
  configSchema: TokenizePiiConfigSchema,
  describe: (config) => {
    const entities = config.entities ?? DEFAULT_TOKENIZE_ENTITIES;
    const note = `${config.mode ?? 'one-way'} tokens for ${entities.join(', ')}`;
    return [
      { sensitivities: ['text'], effect: 'tokenized', note },
      { kinds: ['message'], fields: ['user_profile'], effect: 'tokenized', note },
    ];
  },
  async create(config, ctx) {
    const keyring = keyringOf(ctx);
    const tokenizer = await createTokenizer(keyring, {
      tenant: ctx.tenant,
      mode: config.mode === 'reversible' ? 'reversible' : 'hmac',
    });
    const entities = config.entities ?? DEFAULT_TOKENIZE_ENTITIES;
    const pii = new PiiTokenizer(tokenizer, entities);
    // The directory learned in earlier runs, sealed with the tenant key (see sealed-directory.ts).
    const directory = entities.includes('PERSON')
      ? new SealedDirectory(
          ctx.state,
          ctx.tenant,
          tokenizer.mode === 'reversible'
            ? tokenizer
            : await createTokenizer(keyring, { tenant: ctx.tenant, mode: 'reversible' }),
          ctx.logger,
        )
      : undefined;
    if (directory) pii.learnNames(await directory.load());

    const failed = (record: SluiceRecord, error: unknown): never => {
      if (isSluiceError(error) && error.failure !== 'permanent') throw error;
      // The cause stays attached for debugging; the message names no content.
      throw new PermanentError('transform_failed', `tokenize-pii could not tokenize ${record.kind} ${record.key}`, {
        cause: error,
        component: ctx.componentId,
      });
    };
    return function tokenizePiiRecord(record: SluiceRecord): SluiceRecord | Promise<SluiceRecord> {
      let out: SluiceRecord;
      try {
        out = pii.record(record);
      } catch (error) {
        return failed(record, error);
      }
      const learned = pii.takeLearned();
      // New names are stored before the record is acked, so a crash cannot forget them.
      if (directory && learned.length > 0) return directory.save(learned).then(() => out);
      return out;
    };
  },
});
