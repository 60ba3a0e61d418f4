/**
 * Capture presets: the product's promise in two words (`users`, `messages`), expanded into transform
 * chains. The presets run after the policy's own transforms so that the capture level always has the
 * last word: no user plugin can put back a field the policy says must not be stored.
 */
import type { ComponentConfig, PipelineConfig } from '@sluice/core';
import type { MessagesCaptureLevel, Policy, UsersCaptureLevel } from './schema.js';

/** Entity types tokenized by default: every supported type but URL (links are rarely personal). */
export const DEFAULT_TOKENIZED_ENTITIES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
  'PERSON',
  'SECRET',
] as const;

export function captureLevels(policy: Policy): { users: UsersCaptureLevel; messages: MessagesCaptureLevel } {
  return { users: policy.capture?.users ?? 'ids', messages: policy.capture?.messages ?? 'tokenized' };
}

/** The transforms a messages capture level stands for. */
export function messagesPreset(level: MessagesCaptureLevel, policy: Policy): ComponentConfig[] {
  const path = '/capture/messages';
  switch (level) {
    case 'metadata':
      return [{ use: 'drop-text', with: {}, path, usePath: path, id: 'capture.messages' }];
    case 'tokenized':
      return [
        {
          use: 'tokenize-pii',
          with: {
            mode: policy.tokenization?.mode ?? 'one-way',
            entities: policy.tokenization?.entities ?? [...DEFAULT_TOKENIZED_ENTITIES],
          },
          path,
          usePath: path,
          id: 'capture.messages',
        },
      ];
    case 'full':
      return [];
  }
}

/** The transforms a users capture level stands for. */
export function usersPreset(level: UsersCaptureLevel): ComponentConfig[] {
  const path = '/capture/users';
  switch (level) {
    case 'ids':
      return [{ use: 'redact-user-profile', with: { keep: 'ids' }, path, usePath: path, id: 'capture.users' }];
    case 'domain':
      return [
        { use: 'redact-email-domain', with: {}, path, usePath: path, id: 'capture.users.email' },
        { use: 'redact-user-profile', with: { keep: 'domain' }, path, usePath: path, id: 'capture.users' },
      ];
    case 'full':
      return [];
  }
}

/** The whole pipeline a policy describes, with presets expanded, ready for `resolvePipeline`. */
export function pipelineConfigFromPolicy(policy: Policy): PipelineConfig {
  const levels = captureLevels(policy);
  const own: ComponentConfig[] = (policy.transforms ?? []).map((t, i) => ({
    use: t.use,
    with: t.with ?? {},
    path: `/transforms/${i}`,
    ...(t.id ? { id: t.id } : {}),
  }));
  const p = policy.pipeline;
  const config: PipelineConfig = {
    tenant: policy.tenant,
    name: policy.name ?? 'main',
    source: {
      use: policy.source.use,
      with: policy.source.with ?? {},
      path: '/source',
      id: policy.source.id ?? 'source',
    },
    transforms: [...own, ...messagesPreset(levels.messages, policy), ...usersPreset(levels.users)],
    sink: { use: policy.sink.use, with: policy.sink.with ?? {}, path: '/sink', id: policy.sink.id ?? 'sink' },
  };
  if (p) {
    const options: NonNullable<PipelineConfig['options']> = {};
    if (p.maxInFlight !== undefined) options.maxInFlight = p.maxInFlight;
    if (p.transformConcurrency !== undefined) options.transformConcurrency = p.transformConcurrency;
    if (p.shutdownDeadlineMs !== undefined) options.shutdownDeadlineMs = p.shutdownDeadlineMs;
    if (p.batch) {
      options.batch = {};
      if (p.batch.maxRecords !== undefined) options.batch.maxRecords = p.batch.maxRecords;
      if (p.batch.maxBytes !== undefined) options.batch.maxBytes = p.batch.maxBytes;
      if (p.batch.maxMs !== undefined) options.batch.maxMs = p.batch.maxMs;
    }
    config.options = options;
  }
  return config;
}
