import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ChannelRecord,
  MessageRecord,
  PluginContext,
  RecordTransform,
  SluiceRecord,
  StateStore,
  UserRecord,
} from '@sluice/core';
import {
  createMemoryStateStore,
  createPipeline,
  createServiceRegistry,
  FatalError,
  isSluiceError,
  PermanentError,
  silentLogger,
} from '@sluice/core';
import {
  CloudKmsKeyProvider,
  createTokenizer,
  findTokens,
  LocalKeyProvider,
  MemoryWrappedKeyStore,
  TenantKeyring,
} from '@sluice/keys';
import { assertNoCanaries, canaryMessageContent, createCanaryGenerator } from '@sluice/testkit/canaries';
import { startKmsSimulator } from '@sluice/testkit/kms';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizePii } from './tokenize-pii.js';

let dir: string;
let keyring: TenantKeyring;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-tokenize-'));
  keyring = new TenantKeyring({
    kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
    store: new MemoryWrappedKeyStore(),
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function contextFor(
  tenant: string,
  services: Record<string, unknown> = { keys: keyring },
  state: StateStore = createMemoryStateStore(),
): PluginContext {
  return {
    tenant,
    componentId: 'capture.messages',
    baseDir: dir,
    logger: silentLogger(),
    state,
    services: createServiceRegistry(services),
    signal: new AbortController().signal,
    audit: async () => undefined,
  };
}

async function transformFor(
  config: { mode?: 'one-way' | 'reversible'; entities?: Array<'EMAIL_ADDRESS' | 'PERSON' | 'PHONE_NUMBER'> } = {},
  tenant = 'acme',
  state?: StateStore,
): Promise<(r: SluiceRecord) => Promise<SluiceRecord>> {
  const ctx = contextFor(tenant, { keys: keyring }, state);
  const fn: RecordTransform = await tokenizePii.create(config, ctx);
  return async (r) => (await fn(r, ctx)) as SluiceRecord;
}

let seq = 0;
function message(fields: Partial<MessageRecord>, tenant = 'acme'): MessageRecord {
  seq++;
  return {
    kind: 'message',
    tenant,
    key: `C1:${seq}.000100`,
    version: seq,
    op: 'upsert',
    channel_id: 'C1',
    ts: `${seq}.000100`,
    user_id: 'U1',
    posted_at: '2024-01-01T00:00:00.000Z',
    ...fields,
  };
}

function user(realName: string, displayName: string, extra: Partial<UserRecord> = {}): UserRecord {
  return {
    kind: 'user',
    tenant: 'acme',
    key: `U${realName.length}`,
    version: 1,
    op: 'upsert',
    user_id: 'U7',
    team_id: 'T1',
    real_name: realName,
    display_name: displayName,
    ...extra,
  };
}

const text = (r: SluiceRecord) => (r as MessageRecord).text ?? '';

describe('tokenize-pii', () => {
  it('gives the same token to the same value across records and across runs', async () => {
    const first = await transformFor();
    const a = text(await first(message({ text: 'mail ada@example.com' })));
    const b = text(await first(message({ text: 'cc ada@example.com please' })));
    const again = await transformFor();
    const c = text(await again(message({ text: 'ada@example.com' })));
    const token = a.slice(5);
    expect(findTokens(token)).toHaveLength(1);
    expect(token).toMatch(/^\[EMAIL-ADDRESS\.v1\.h\./);
    expect(b).toBe(`cc ${token} please`);
    expect(c).toBe(token);
    expect(a).not.toContain('ada@');
  });

  it('gives different tokens to the same value in different tenants', async () => {
    const acme = await transformFor({}, 'acme');
    const globex = await transformFor({}, 'globex');
    const a = text(await acme(message({ text: 'ada@example.com' })));
    const b = text(await globex(message({ text: 'ada@example.com' }, 'globex')));
    expect(findTokens(a)).toHaveLength(1);
    expect(findTokens(b)).toHaveLength(1);
    expect(a).not.toBe(b);
  });

  it('keeps Slack mrkdwn valid: both halves of a mailto link get the same token, mentions are untouched', async () => {
    const t = await transformFor();
    const out = text(
      await t(message({ text: 'hi <@U024BE7LH> write <mailto:Ada@Example.com|ada@example.com> in <#C1|general>' })),
    );
    const m = /^hi <@U024BE7LH> write <mailto:(\[[^\]]+\])\|(\[[^\]]+\])> in <#C1\|general>$/.exec(out);
    expect(m).not.toBeNull();
    expect(m?.[1]).toBe(m?.[2]);
  });

  it('replaces spans at the right UTF-16 offsets around emoji and accents', async () => {
    const t = await transformFor();
    const out = text(await t(message({ text: '🎉👩‍💻 Zoë: +1 415 555 0100 ✅ then ada@example.com 🇫🇷' })));
    expect(out).toMatch(
      /^🎉👩‍💻 Zoë: \[PHONE-NUMBER\.v1\.h\.[a-z2-7]+\] ✅ then \[EMAIL-ADDRESS\.v1\.h\.[a-z2-7]+\] 🇫🇷$/,
    );
  });

  it('is idempotent on text it already tokenized', async () => {
    const t = await transformFor();
    const once = await t(message({ text: 'call +1 415 555 0100 or mail ada@example.com' }));
    const twice = await t(once);
    expect(text(twice)).toBe(text(once));
    const channel: ChannelRecord = {
      kind: 'channel',
      tenant: 'acme',
      key: 'C1',
      version: 1,
      op: 'upsert',
      channel_id: 'C1',
      topic: 'ask ada@example.com',
      purpose: null,
    };
    const c1 = (await t(channel)) as ChannelRecord;
    expect(c1.topic).toMatch(/^ask \[EMAIL-ADDRESS/);
    expect(((await t(c1)) as ChannelRecord).topic).toBe(c1.topic);
    expect(c1.purpose).toBeNull();
  });

  it('round-trips reversible tokens through detokenize', async () => {
    const t = await transformFor({ mode: 'reversible' });
    const out = text(await t(message({ text: 'mail ada@example.com now' })));
    const [found] = findTokens(out);
    expect(found?.mode).toBe('r');
    const tokenizer = await createTokenizer(keyring, { tenant: 'acme', mode: 'reversible' });
    expect((await tokenizer.detokenize(found?.token ?? '')).value).toBe('ada@example.com');
  });

  it('learns PERSON names from user records, without mutating them', async () => {
    const t = await transformFor();
    const before = text(await t(message({ text: 'Quentin Marlowe said hi' })));
    expect(before).toBe('Quentin Marlowe said hi');
    const u = user('Quentin Marlowe', 'quentinm');
    const frozen = structuredClone(u);
    const passed = await t(u);
    expect(passed).toEqual(frozen);
    expect(passed).not.toBe(u);
    await t(user('Bot Person', 'jirabot', { is_bot: true }));
    const after = text(await t(message({ text: 'Quentin Marlowe said hi to quentinm and Bot Person' })));
    expect(after).toMatch(/^\[PERSON\.v1\.h\.[a-z2-7]+\] said hi to \[PERSON\.v1\.h\.[a-z2-7]+\] and Bot Person$/);
  });

  it('detects each new name at once when users and messages interleave (delta and full rebuilds)', async () => {
    const t = await transformFor();
    const gen = createCanaryGenerator(5);
    const people = Array.from({ length: 150 }, () => gen.person());
    for (const [i, p] of people.entries()) {
      await t(user(p.realName, p.displayName, { user_id: `U${i}`, key: `U${i}` }));
      const earlier = people[Math.floor(i / 2)] as (typeof people)[0];
      const out = text(await t(message({ text: `${p.realName} meets ${earlier.displayName}` })));
      expect(out).toMatch(/^\[PERSON\.v1\.h\.[a-z2-7]+\] meets \[PERSON\.v1\.h\.[a-z2-7]+\]$/);
    }
  });

  it('remembers learned names across runs, sealed in the state store', async () => {
    const state = createMemoryStateStore();
    const first = await transformFor({}, 'acme', state);
    await first(user('Odalys Fenwick', 'odalysf'));
    const stored = JSON.stringify(await state.listValues('tokenize-pii.directory'));
    expect(stored).toContain('acme:U7');
    expect(stored).toMatch(/\[PERSON\.v1\.r\./);
    expect(stored).not.toMatch(/Odalys|Fenwick|odalysf/);
    // A later run reads no user records, yet still knows the name.
    const later = await transformFor({}, 'acme', state);
    expect(text(await later(message({ text: 'ask Odalys Fenwick' })))).toMatch(/^ask \[PERSON\.v1\.h\./);
    // Another tenant's run does not see acme's directory.
    const other = await transformFor({}, 'globex', state);
    expect(text(await other(message({ text: 'ask Odalys Fenwick' }, 'globex')))).toBe('ask Odalys Fenwick');
  });

  it('tokenizes every text-bearing part of blocks, attachments, files and embedded profiles', async () => {
    const t = await transformFor();
    await t(user('Quentin Marlowe', 'quentinm'));
    const input = message({
      text: 'see ada@example.com',
      blocks: [
        {
          type: 'rich_text',
          block_id: 'b1',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'ping Quentin Marlowe', style: { bold: true } },
                { type: 'user', user_id: 'U024BE7LH' },
                { type: 'emoji', name: 'tada', unicode: '1f389' },
                { type: 'link', url: 'mailto:bob@example.com', text: 'bob@example.com' },
              ],
            },
          ],
        },
      ],
      attachments: [
        {
          fallback: 'call +1 415 555 0100',
          pretext: 'ada@example.com',
          title: 'for Quentin Marlowe',
          author_name: 'quentinm',
          footer: 'cc bob@example.com',
          fields: [{ title: 'email', value: 'carol@example.com', short: true }],
          message_blocks: [
            {
              team: 'T1',
              channel: 'C1',
              ts: '1.2',
              message: { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'dave@example.com' } }] },
            },
          ],
        },
      ],
      files: [
        {
          id: 'F1',
          name: 'ada@example.com.pdf',
          title: 'Quentin Marlowe payslip',
          preview: 'IBAN DE89 3704 0044 0532 0130 00',
          mimetype: 'application/pdf',
        },
      ],
      user_profile: {
        real_name: 'Quentin Marlowe',
        display_name: 'quentinm',
        image_72: 'https://avatars.example/x.png',
        team: 'T1',
      },
    });
    const before = JSON.stringify(input);
    const out = (await t(input)) as MessageRecord;
    expect(JSON.stringify(input)).toBe(before);
    const json = JSON.stringify(out);
    for (const value of ['ada@', 'bob@', 'carol@', 'dave@', 'Quentin', 'quentinm', '555 0100', 'DE89']) {
      expect(json).not.toContain(value);
    }
    // Structure and IDs survive.
    for (const value of [
      '"type":"rich_text"',
      '"block_id":"b1"',
      '"user_id":"U024BE7LH"',
      '"name":"tada"',
      '"unicode":"1f389"',
      '"bold":true',
      '"mimetype":"application/pdf"',
      '"id":"F1"',
      '"team":"T1"',
    ]) {
      expect(json).toContain(value);
    }
  });

  it('leaves no canary in any text-bearing field of a canary-laden message and channel', async () => {
    const t = await transformFor();
    const gen = createCanaryGenerator(11);
    const people = [gen.person(), gen.person()];
    for (const p of people) await t(user(p.realName, p.displayName));
    const out = await t(message({ ...canaryMessageContent(gen, people[0] as (typeof people)[0], people) }));
    const channel: ChannelRecord = {
      kind: 'channel',
      tenant: 'acme',
      key: 'C9',
      version: 1,
      op: 'upsert',
      channel_id: 'C9',
      topic: gen.sentence(people),
      purpose: gen.sentence(people),
    };
    const tokenizedChannel = await t(channel);
    assertNoCanaries({ message: JSON.stringify(out), channel: JSON.stringify(tokenizedChannel) }, gen.values());
    expect(() => assertNoCanaries({ input: JSON.stringify(channel) }, gen.values())).toThrow(/leaked/);
  });

  it('declares its effect on text columns for sluice explain', () => {
    const effects = tokenizePii.describe?.({ mode: 'reversible', entities: ['EMAIL_ADDRESS'] }) ?? [];
    expect(effects[0]).toMatchObject({ sensitivities: ['text'], effect: 'tokenized' });
    expect(effects[0]?.note).toContain('EMAIL_ADDRESS');
    expect(effects[1]).toMatchObject({ fields: ['user_profile'], effect: 'tokenized' });
  });

  it('refuses to start without a keyring (fail closed)', async () => {
    const error = await Promise.resolve(tokenizePii.create({}, contextFor('acme', {}))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('key_missing');
  });

  it('turns a failure on one record into a permanent, record-specific error', async () => {
    const t = await transformFor();
    const hostile = message({ text: 'x' });
    Object.defineProperty(hostile, 'text', {
      get() {
        throw new Error('boom with ada@example.com');
      },
      enumerable: true,
    });
    let caught: unknown;
    try {
      await t(hostile);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PermanentError);
    expect((caught as PermanentError).code).toBe('transform_failed');
    expect((caught as Error).message).not.toContain('ada@');
  });

  it('stops the pipeline fatally when the Cloud KMS key version is disabled', async () => {
    const KEY = 'projects/acme/locations/global/keyRings/sluice/cryptoKeys/tokens';
    const kms = await startKmsSimulator({ keys: [KEY] });
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: kms.accessToken });
    const kek = new CloudKmsKeyProvider({ keyName: KEY, clientOptions: { ...kms.clientOptions(), authClient } });
    try {
      const store = new MemoryWrappedKeyStore();
      // A key created while the KMS key was enabled, then the version is disabled.
      await new TenantKeyring({ kek, store }).forTenant('acme');
      kms.disableVersion(kms.primaryVersion(KEY));
      const fresh = new TenantKeyring({ kek, store });
      const ctx = contextFor('acme', { keys: fresh });
      const written: SluiceRecord[] = [];
      const error = await (async () => {
        const fn = await tokenizePii.create({}, ctx);
        const pipeline = createPipeline({
          tenant: 'acme',
          pipelineId: 'acme/main',
          source: {
            id: 'source',
            instance: {
              async *read() {
                yield { record: message({ text: 'ada@example.com' }) };
              },
            },
          },
          transforms: [{ id: 'capture.messages', type: 'tokenize-pii', privacy: true, fn, ctx }],
          sink: {
            id: 'sink',
            instance: {
              async write(batch) {
                written.push(...batch);
                return undefined;
              },
            },
          },
          state: createMemoryStateStore(),
          logger: silentLogger(),
          options: { mode: 'until-caught-up' },
        });
        await pipeline.run();
      })().catch((e: unknown) => e);
      expect(isSluiceError(error)).toBe(true);
      expect((error as FatalError).failure).toBe('fatal');
      expect((error as FatalError).code).toBe('key_disabled');
      expect(written).toHaveLength(0);
    } finally {
      await kek.close();
      await kms.close();
    }
  });
});
