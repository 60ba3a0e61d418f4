/**
 * The `slack` plugin through the real core pipeline (`createPipeline`, capped checkpointer, SQLite
 * state store) with an in-memory sink, using the REAL `@slack/web-api` WebClient and
 * `@slack/socket-mode` SocketModeClient against the testkit's Slack simulator: config validation, an
 * until-caught-up backfill at the non-marketplace profile (time-scaled) that ends without a 429 and
 * a second run that reads nothing twice, and a follow-mode run that stops cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  createPipeline,
  createServiceRegistry,
  type PluginContext,
  pipelineIdFor,
  type SinkInstance,
  type SluiceRecord,
  SqliteStateStore,
  STATE_SEALER_SERVICE,
  type StateStore,
  silentLogger,
  type ValueSealer,
} from '@sluice/core';
import { generateSyntheticWorkspace, startSlackSimulator } from '@sluice/testkit/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyPartition, LIVE_NAMESPACE, SlackSource, slackSource } from '../src/index.js';
import { duplicates, waitFor } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-slack-plugin-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A reversible stand-in for the tenant-key sealer the CLI provides (real sealing is tested in @sluice/cli). */
const testSealer: ValueSealer = {
  seal: (text) => `sealed:${Buffer.from(text).toString('base64')}`,
  open: (sealed) => Buffer.from(sealed.slice('sealed:'.length), 'base64').toString(),
};

function context(
  state: StateStore,
  services = createServiceRegistry({ [STATE_SEALER_SERVICE]: testSealer }),
): PluginContext {
  return {
    tenant: 'acme',
    componentId: 'source',
    baseDir: dir,
    logger: silentLogger(),
    state,
    audit: async () => undefined,
    services,
    signal: new AbortController().signal,
  };
}

function memorySink(written: SluiceRecord[]): SinkInstance {
  return {
    async write(batch) {
      written.push(...batch);
      return undefined;
    },
  };
}

describe('slack plugin', () => {
  it('refuses to start without the tenant sealer for its live buffer', () => {
    const state = new SqliteStateStore(':memory:');
    expect(() =>
      slackSource.create(
        { botToken: 'xoxb-test', rateLimitProfile: 'tier3', live: false },
        context(state, createServiceRegistry()),
      ),
    ).toThrow(expect.objectContaining({ code: 'key_missing' }));
  });

  it('refuses live mode without an app token', async () => {
    const state = new SqliteStateStore(':memory:');
    await expect(
      Promise.resolve().then(() =>
        slackSource.create({ botToken: 'xoxb-test', rateLimitProfile: 'tier3', live: true }, context(state)),
      ),
    ).rejects.toBeInstanceOf(ConfigError);
    await state.close();
  });

  it('refuses a rate-limit time scale that is not a positive number', async () => {
    const state = new SqliteStateStore(':memory:');
    await expect(
      Promise.resolve().then(() =>
        slackSource.create(
          { botToken: 'xoxb-test', rateLimitProfile: 'tier3', live: false, rateLimitTimeScale: 'fast' },
          context(state),
        ),
      ),
    ).rejects.toMatchObject({ code: 'plugin_config_invalid' });
    await state.close();
  });

  it('backfills through the core pipeline, ends, and resumes without reading anything twice', async () => {
    // The plugin reads a window ending at the real now, so the workspace is generated up to today.
    const sim = await startSlackSimulator({
      workspace: generateSyntheticWorkspace({ seed: 21, users: 5, channels: 3, days: 4, messagesPerChannelPerDay: 6 }),
      timeScale: 600,
      profile: 'non-marketplace',
    });
    const state = new SqliteStateStore(join(dir, 'state.db'));
    try {
      const run = async () => {
        const source = await slackSource.create(
          {
            botToken: sim.botToken,
            apiUrl: sim.apiUrl,
            rateLimitProfile: 'non-marketplace',
            // As it comes from `${env:…}` in a policy: a numeric string.
            rateLimitTimeScale: '600',
            live: false,
            history: { days: 10 },
          },
          context(state),
        );
        expect(source).toBeInstanceOf(SlackSource);
        const written: SluiceRecord[] = [];
        const pipeline = createPipeline({
          tenant: 'acme',
          pipelineId: pipelineIdFor('acme'),
          source: { id: 'source', instance: source },
          transforms: [],
          sink: { id: 'sink', instance: memorySink(written) },
          state,
          logger: silentLogger(),
          options: { mode: 'until-caught-up', maxInFlight: 7, batch: { maxRecords: 5, maxMs: 10 } },
        });
        const summary = await pipeline.run();
        return { written, summary };
      };
      const first = await run();
      expect(first.summary.outcome).toBe('completed');
      const messages = first.written.filter((r) => r.kind === 'message').map((r) => r.key);
      expect(messages.length).toBeGreaterThan(20);
      expect(duplicates(messages)).toEqual([]);
      const checkpoints = await state.loadCheckpoints(pipelineIdFor('acme'));
      const member = sim.workspace.listChannels().find((id) => sim.workspace.isBotMember(id)) as string;
      expect(checkpoints.get(historyPartition(member))).toMatchObject({ sweep: null });

      expect(sim.stats().methods['conversations.history']?.rateLimited).toBe(0);
      const second = await run();
      expect(second.written.filter((r) => r.kind === 'message')).toEqual([]);
      expect(second.written.some((r) => r.kind === 'user')).toBe(true);
    } finally {
      await state.close();
      await sim.close();
    }
  });

  it('follows live events through the core pipeline and stops cleanly with an empty live buffer', async () => {
    // 20x: Slack's 3 s ack deadline is 150 ms; the official SocketModeClient acks through our buffer.
    const sim = await startSlackSimulator({
      workspace: generateSyntheticWorkspace({ seed: 22, users: 4, channels: 2, days: 2, messagesPerChannelPerDay: 3 }),
      timeScale: 20,
    });
    const state = new SqliteStateStore(join(dir, 'follow.db'));
    const written: SluiceRecord[] = [];
    try {
      const source = await slackSource.create(
        {
          botToken: sim.botToken,
          appToken: sim.appToken,
          apiUrl: sim.apiUrl,
          rateLimitProfile: 'tier3',
          live: true,
          history: { days: 5 },
        },
        context(state),
      );
      const pipeline = createPipeline({
        tenant: 'acme',
        pipelineId: pipelineIdFor('acme', 'follow'),
        source: { id: 'source', instance: source },
        transforms: [],
        sink: { id: 'sink', instance: memorySink(written) },
        state,
        logger: silentLogger(),
        options: { mode: 'follow', batch: { maxRecords: 10, maxMs: 10 } },
      });
      const done = pipeline.run();
      const ws = sim.workspace;
      const channel = ws.listChannels().find((id) => ws.isBotMember(id)) as string;
      const user = [...(ws.getChannel(channel)?.members ?? [])].find((u) => u !== ws.bot.userId) as string;
      await waitFor(() => written.some((r) => r.kind === 'channel' && r.key === channel));
      const ts = ws.postMessage({ channel, user, text: 'live through the pipeline' });
      await waitFor(() => written.some((r) => r.kind === 'message' && r.key === `${channel}:${ts}`));
      await pipeline.stop();
      const summary = await done;
      expect(summary.outcome).toBe('stopped');
      expect(sim.stats().socketMode.acked).toBeGreaterThan(0);
      expect(await state.listValues(LIVE_NAMESPACE, { prefix: 'acme:buf:' })).toEqual([]);
    } finally {
      await state.close();
      await sim.close();
    }
  });
});
