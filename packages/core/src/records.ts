/**
 * Canonical records: the four kinds every source emits whatever it read (`user`, `channel`, `message`,
 * `audit`). These TypeBox definitions are the single source of truth: `schemas/records/*.schema.json`
 * is generated from them (and checked by a snapshot test), sinks derive their tables from them, and
 * each field's `x-sensitivity` drives `sluice explain` and the dead-letter redaction.
 */
import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';

/**
 * How sensitive a field is. `id`: opaque Slack identifiers. `metadata`: counts, times, flags, names of
 * channels and emoji. `pii`: about a person (name, email, title, phone). `text`: free text written by
 * people, which may carry any PII or secret.
 */
export type Sensitivity = 'id' | 'metadata' | 'pii' | 'text';

const SENSITIVITY = 'x-sensitivity';

function field<T extends TSchema>(schema: T, sensitivity: Sensitivity, description: string): T {
  return { ...schema, [SENSITIVITY]: sensitivity, description } as T;
}

const Opt = Type.Optional;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Fields every record carries, whatever its kind. */
const envelope = <K extends string>(kind: K) => ({
  kind: field(Type.Literal(kind), 'metadata', 'Record kind.'),
  tenant: field(Type.String({ minLength: 1 }), 'id', 'Customer (tenant) the record belongs to.'),
  key: field(Type.String({ minLength: 1 }), 'id', 'Stable key, unique per tenant and kind.'),
  version: field(
    Type.Integer({ minimum: 0 }),
    'metadata',
    'Monotonic version: the highest version of a key wins (microseconds of the change).',
  ),
  op: field(Type.Union([Type.Literal('upsert'), Type.Literal('delete')]), 'metadata', 'Upsert or delete.'),
});

const Timestamp = Type.String({ format: 'date-time' });

export const UserRecordSchema = Type.Object(
  {
    ...envelope('user'),
    user_id: field(Type.String(), 'id', 'Slack user ID (U…/W…).'),
    team_id: field(Nullable(Type.String()), 'id', 'Slack team (workspace) ID.'),
    name: Opt(field(Nullable(Type.String()), 'pii', 'Username handle.')),
    real_name: Opt(field(Nullable(Type.String()), 'pii', 'Full name.')),
    display_name: Opt(field(Nullable(Type.String()), 'pii', 'Display name.')),
    title: Opt(field(Nullable(Type.String()), 'pii', 'Job title.')),
    email: Opt(field(Nullable(Type.String()), 'pii', 'Email address.')),
    email_domain: Opt(field(Nullable(Type.String()), 'metadata', 'Domain part of the email address.')),
    phone: Opt(field(Nullable(Type.String()), 'pii', 'Phone number.')),
    tz: Opt(field(Nullable(Type.String()), 'metadata', 'IANA time zone.')),
    is_bot: Opt(field(Type.Boolean(), 'metadata', 'Whether the user is a bot.')),
    is_deleted: Opt(field(Type.Boolean(), 'metadata', 'Whether the account is deactivated.')),
    is_restricted: Opt(field(Type.Boolean(), 'metadata', 'Guest account.')),
    updated_at: Opt(field(Nullable(Timestamp), 'metadata', 'When Slack last changed the profile.')),
  },
  { $id: 'user', title: 'user', additionalProperties: false },
);

export const ChannelRecordSchema = Type.Object(
  {
    ...envelope('channel'),
    channel_id: field(Type.String(), 'id', 'Slack channel ID (C…/G…).'),
    team_id: Opt(field(Nullable(Type.String()), 'id', 'Slack team ID.')),
    name: Opt(field(Nullable(Type.String()), 'metadata', 'Channel name.')),
    is_private: Opt(field(Type.Boolean(), 'metadata', 'Private channel.')),
    is_archived: Opt(field(Type.Boolean(), 'metadata', 'Archived channel.')),
    is_member: Opt(field(Type.Boolean(), 'metadata', 'Whether the app is a member (in scope).')),
    created_at: Opt(field(Nullable(Timestamp), 'metadata', 'Creation time.')),
    creator_id: Opt(field(Nullable(Type.String()), 'id', 'User ID of the creator.')),
    num_members: Opt(field(Nullable(Type.Integer()), 'metadata', 'Member count.')),
    topic: Opt(field(Nullable(Type.String()), 'text', 'Channel topic (free text).')),
    purpose: Opt(field(Nullable(Type.String()), 'text', 'Channel purpose (free text).')),
  },
  { $id: 'channel', title: 'channel', additionalProperties: false },
);

export const ReactionSchema = Type.Object(
  {
    name: Type.String({ description: 'Emoji name.' }),
    count: Type.Integer({ minimum: 0 }),
    users: Type.Array(Type.String(), { description: 'User IDs who reacted.' }),
  },
  { additionalProperties: false },
);

const Json = Type.Unknown();

export const MessageRecordSchema = Type.Object(
  {
    ...envelope('message'),
    channel_id: field(Type.String(), 'id', 'Channel ID.'),
    ts: field(Type.String(), 'id', 'Slack message timestamp (unique within the channel).'),
    user_id: Opt(field(Nullable(Type.String()), 'id', 'Author user ID.')),
    bot_id: Opt(field(Nullable(Type.String()), 'id', 'Author bot ID, for bot messages.')),
    team_id: Opt(field(Nullable(Type.String()), 'id', 'Author team ID.')),
    posted_at: field(Timestamp, 'metadata', 'Post time.'),
    subtype: Opt(field(Nullable(Type.String()), 'metadata', 'Slack message subtype.')),
    thread_ts: Opt(field(Nullable(Type.String()), 'id', 'Thread parent ts, for threads.')),
    parent_user_id: Opt(field(Nullable(Type.String()), 'id', 'Author of the thread parent.')),
    reply_count: Opt(field(Nullable(Type.Integer()), 'metadata', 'Replies, on a thread parent.')),
    reply_users: Opt(field(Nullable(Type.Array(Type.String())), 'id', 'Repliers, on a thread parent.')),
    latest_reply: Opt(field(Nullable(Type.String()), 'id', 'ts of the latest reply, on a thread parent.')),
    edited_at: Opt(field(Nullable(Timestamp), 'metadata', 'Last edit time.')),
    edited_by: Opt(field(Nullable(Type.String()), 'id', 'User ID of the last editor.')),
    deleted: Opt(field(Type.Boolean(), 'metadata', 'Deleted in Slack; its content is removed.')),
    reactions: Opt(field(Type.Array(ReactionSchema), 'metadata', 'Reactions with counts and user IDs.')),
    mentions: Opt(field(Type.Array(Type.String()), 'id', 'Mentioned user IDs.')),
    text: Opt(field(Nullable(Type.String()), 'text', 'Message text (mrkdwn).')),
    blocks: Opt(field(Nullable(Json), 'text', 'Block Kit blocks (rich text).')),
    attachments: Opt(field(Nullable(Json), 'text', 'Legacy attachments and unfurls.')),
    files: Opt(field(Nullable(Json), 'text', 'Shared files: metadata, names, titles, previews.')),
    user_profile: Opt(field(Nullable(Json), 'pii', 'Author profile embedded by exports.')),
  },
  { $id: 'message', title: 'message', additionalProperties: false },
);

export const AuditRecordSchema = Type.Object(
  {
    ...envelope('audit'),
    at: field(Timestamp, 'metadata', 'When it happened.'),
    actor: field(Type.String(), 'metadata', 'Component or person that acted.'),
    action: field(Type.String(), 'metadata', 'What happened, e.g. `channel_left`, `detokenize`.'),
    subject: Opt(field(Nullable(Type.String()), 'id', 'IDs only: the channel, user or key concerned.')),
    details: Opt(field(Nullable(Json), 'metadata', 'Counts and IDs; never record content.')),
  },
  { $id: 'audit', title: 'audit', additionalProperties: false },
);

export type UserRecord = Static<typeof UserRecordSchema>;
export type ChannelRecord = Static<typeof ChannelRecordSchema>;
export type MessageRecord = Static<typeof MessageRecordSchema>;
export type AuditRecord = Static<typeof AuditRecordSchema>;
export type Reaction = Static<typeof ReactionSchema>;

/** Any canonical record. */
export type SluiceRecord = UserRecord | ChannelRecord | MessageRecord | AuditRecord;
export type RecordKind = SluiceRecord['kind'];

/** The record schemas by kind, in a stable order. */
export const RECORD_SCHEMAS: Readonly<Record<RecordKind, TObject>> = {
  user: UserRecordSchema,
  channel: ChannelRecordSchema,
  message: MessageRecordSchema,
  audit: AuditRecordSchema,
};

export const RECORD_KINDS: readonly RecordKind[] = ['user', 'channel', 'message', 'audit'];

/** Fields common to every kind: the envelope. */
export const ENVELOPE_FIELDS = ['kind', 'tenant', 'key', 'version', 'op'] as const;

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value);
}

/** One column of a record kind, as sinks and `sluice explain` see it. */
export interface RecordField {
  name: string;
  sensitivity: Sensitivity;
  description: string;
  required: boolean;
  /** JSON type after unwrapping `null`: string, integer, number, boolean, array, object or json. */
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'json';
  format?: string;
  nullable: boolean;
}

/** The fields of a record kind, in schema order, derived from its schema. */
export function recordFields(kind: RecordKind): readonly RecordField[] {
  const cached = fieldCache.get(kind);
  if (cached) return cached;
  const schema = RECORD_SCHEMAS[kind];
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties as TProperties).map(([name, prop]) =>
    describeField(name, prop, required.has(name)),
  );
  fieldCache.set(kind, fields);
  return fields;
}
const fieldCache = new Map<RecordKind, readonly RecordField[]>();

function describeField(name: string, prop: TSchema, required: boolean): RecordField {
  const sensitivity = (prop as Record<string, unknown>)[SENSITIVITY] as Sensitivity;
  const description = String(prop.description ?? '');
  let inner = prop as { type?: unknown; format?: unknown };
  let nullable = false;
  const anyOf = (prop as { anyOf?: Array<{ type?: unknown; const?: unknown }> }).anyOf;
  if (Array.isArray(anyOf)) {
    const nonNull = anyOf.filter((s) => s.type !== 'null');
    nullable = nonNull.length < anyOf.length;
    const literalOnly = nonNull.every((s) => s.const !== undefined);
    inner = literalOnly ? { type: 'string' } : (nonNull[0] ?? { type: 'string' });
  }
  const t = inner.type as string | undefined;
  const type: RecordField['type'] =
    t === 'string' || t === 'integer' || t === 'number' || t === 'boolean' || t === 'array' ? t : 'json';
  const out: RecordField = { name, sensitivity, description, required, type, nullable };
  if (typeof inner.format === 'string') out.format = inner.format;
  return out;
}

/** Names of the fields of a kind at the given sensitivities. */
export function fieldsWithSensitivity(kind: RecordKind, sensitivities: readonly Sensitivity[]): readonly string[] {
  return recordFields(kind)
    .filter((f) => sensitivities.includes(f.sensitivity))
    .map((f) => f.name);
}

/** Converts a Slack `ts` ("1700000000.000100") to an ISO-8601 time. */
export function slackTsToIso(ts: string): string {
  const [secs, micros = '0'] = ts.split('.');
  const ms = Number(secs) * 1000 + Math.floor(Number(micros.padEnd(6, '0').slice(0, 6)) / 1000);
  return new Date(ms).toISOString();
}

/** Converts a Slack `ts` to integer microseconds, suitable as a record version. */
export function slackTsToMicros(ts: string): number {
  const [secs, micros = '0'] = ts.split('.');
  return Number(secs) * 1_000_000 + Number(micros.padEnd(6, '0').slice(0, 6));
}

/** The JSON Schema document of a record kind, as published in `schemas/records/<kind>.schema.json`. */
export function recordJsonSchema(kind: RecordKind): Record<string, unknown> {
  const { $id: _id, ...rest } = JSON.parse(JSON.stringify(RECORD_SCHEMAS[kind])) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://sluice.dev/schemas/records/${kind}.schema.json`,
    ...rest,
  };
}
