/**
 * The policy schema, written once in TypeBox. `schemas/policy.schema.json` is generated from it (and a
 * snapshot test fails if the two drift); ajv validates policy files against it. Every object is closed
 * (`additionalProperties: false`) because a typo that silently disables a privacy control is the worst
 * failure this product can have.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

export const POLICY_SCHEMA_ID = 'https://sluice.dev/schemas/policy.schema.json';

const closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T, options: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

const PluginRef = Type.String({
  minLength: 1,
  description: 'A built-in type (e.g. "duckdb"), a path relative to the policy ("./plugins/x.js") or a package name.',
});

const Component = (description: string) =>
  closed(
    {
      use: PluginRef,
      id: Type.Optional(
        Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_.-]*$', description: 'Name in logs and metrics.' }),
      ),
      with: Type.Optional(
        Type.Object(
          {},
          { additionalProperties: true, description: "The plugin's config, validated against its own schema." },
        ),
      ),
    },
    { description },
  );

export const UsersCapture = Type.Union(
  [
    Type.Literal('ids', { description: 'User ID and team ID only.' }),
    Type.Literal('domain', { description: 'IDs and the email domain only.' }),
    Type.Literal('full', { description: 'IDs, name, display name, title and email in full.' }),
  ],
  { default: 'ids' },
);

export const MessagesCapture = Type.Union(
  [
    Type.Literal('metadata', {
      description: 'User ID, post time, reactions, mentioned user IDs, channel ID, thread fields: no text.',
    }),
    Type.Literal('tokenized', { description: 'Metadata plus text with PII replaced by tokens (the default).' }),
    Type.Literal('full', { description: 'Raw text. Explicit opt-in: PII is stored in clear.' }),
  ],
  { default: 'tokenized' },
);

export const KeysConfig = Type.Union([
  closed(
    {
      provider: Type.Literal('local'),
      path: Type.Optional(
        Type.String({ description: 'Key-encryption key file (created 0600). Default .sluice/kek.json' }),
      ),
      store: Type.Optional(Type.String({ description: 'Wrapped tenant keys file. Default .sluice/tenant-keys.json' })),
    },
    { description: 'Local key-encryption key (the embedded default).' },
  ),
  closed(
    {
      provider: Type.Literal('cloud-kms'),
      keyName: Type.String({
        pattern: '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$',
        description: 'Cloud KMS key that wraps the tenant keys.',
      }),
      apiEndpoint: Type.Optional(Type.String({ description: 'Override for tests and private endpoints.' })),
      store: Type.Optional(Type.String({ description: 'Wrapped tenant keys file. Default .sluice/tenant-keys.json' })),
    },
    { description: 'Google Cloud KMS key-encryption key.' },
  ),
]);

export const PolicySchema = closed(
  {
    $schema: Type.Optional(Type.String({ description: 'Path or URL of this schema, for editors.' })),
    version: Type.Literal(1, { description: 'Policy format version.' }),
    tenant: Type.String({
      pattern: '^[a-z][a-z0-9_-]{0,62}$',
      description: 'Customer (tenant) whose data this pipeline carries: storage, keys and state are per tenant.',
    }),
    name: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_-]{0,62}$',
        description: 'Pipeline name within the tenant. Default main.',
      }),
    ),
    description: Type.Optional(Type.String()),
    source: Component('Where records come from.'),
    capture: Type.Optional(
      closed(
        {
          users: Type.Optional(UsersCapture),
          messages: Type.Optional(MessagesCapture),
        },
        { description: 'What is stored about users and messages: presets that expand to transforms.' },
      ),
    ),
    tokenization: Type.Optional(
      closed(
        {
          mode: Type.Optional(
            Type.Union([Type.Literal('one-way'), Type.Literal('reversible')], {
              default: 'one-way',
              description: 'one-way: HMAC tokens. reversible: AES-SIV tokens, detokenized only with the key.',
            }),
          ),
          entities: Type.Optional(
            Type.Array(Type.String({ pattern: '^[A-Z][A-Z_]*$' }), {
              uniqueItems: true,
              description: 'Entity types to tokenize (default: all but URL).',
            }),
          ),
        },
        { description: 'How the tokenized capture level tokenizes PII.' },
      ),
    ),
    transforms: Type.Optional(
      Type.Array(Component('A transform: built-in or your own redaction plugin.'), {
        description: 'Your transforms. They run before the capture presets, which always have the last word.',
      }),
    ),
    keys: Type.Optional(KeysConfig),
    sink: Component('Where records are written.'),
    state: Type.Optional(
      closed({
        path: Type.Optional(Type.String({ description: 'SQLite state store. Default .sluice/state.db' })),
      }),
    ),
    retention: Type.Optional(
      closed({
        days: Type.Integer({ minimum: 1, description: 'Delete stored records older than this after each run.' }),
      }),
    ),
    pipeline: Type.Optional(
      closed({
        maxInFlight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        transformConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
        batch: Type.Optional(
          closed({
            maxRecords: Type.Optional(Type.Integer({ minimum: 1 })),
            maxBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
            maxMs: Type.Optional(Type.Integer({ minimum: 1 })),
          }),
        ),
        shutdownDeadlineMs: Type.Optional(Type.Integer({ minimum: 100 })),
      }),
    ),
  },
  { description: 'A Sluice policy: what is read, what is kept, how it is protected, where it goes.' },
);

export type Policy = Static<typeof PolicySchema>;
export type UsersCaptureLevel = Static<typeof UsersCapture>;
export type MessagesCaptureLevel = Static<typeof MessagesCapture>;

/** The JSON Schema document as published in `schemas/policy.schema.json`. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: POLICY_SCHEMA_ID,
    title: 'Sluice policy',
    ...stripSymbols(PolicySchema),
  };
}

/** TypeBox adds symbol keys; JSON output has none, but a deep copy keeps the published file stable. */
function stripSymbols(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
