/**
 * Test plugins for the core's own tests: an array source with per-record positions and a recording
 * sink whose behaviour each test scripts. Built with the public plugin API, like users' plugins.
 */
import type { MessageRecord, SinkInstance, SluiceRecord, SourceInstance, SourceItem } from '../src/index.js';

export function message(i: number, extra: Partial<MessageRecord> = {}): MessageRecord {
  const ts = `${1_700_000_000 + i}.000100`;
  return {
    kind: 'message',
    tenant: 't1',
    key: `C1:${ts}`,
    version: i + 1,
    op: 'upsert',
    channel_id: 'C1',
    ts,
    user_id: 'U1',
    posted_at: new Date((1_700_000_000 + i) * 1000).toISOString(),
    text: `hello ${i} from alice@example.com`,
    ...extra,
  };
}

/** Emits `count` messages in partition `C1`, resuming after the committed checkpoint (the index). */
export function arraySource(count: number, opts: { make?: (i: number) => SluiceRecord; pulled?: { n: number } } = {}) {
  const make = opts.make ?? message;
  const instance: SourceInstance = {
    async *read({ checkpoints }) {
      const start = typeof checkpoints.get('C1') === 'number' ? (checkpoints.get('C1') as number) + 1 : 0;
      for (let i = start; i < count; i++) {
        if (opts.pulled) opts.pulled.n++;
        const item: SourceItem = { record: make(i), position: { partition: 'C1', checkpoint: i } };
        yield item;
      }
    },
  };
  return instance;
}

export interface RecordingSink extends SinkInstance {
  written: SluiceRecord[];
  batches: number[];
}

export function recordingSink(
  behaviour: (batch: readonly SluiceRecord[], call: number) => Promise<void> | undefined | void = () => undefined,
): RecordingSink {
  let call = 0;
  const sink: RecordingSink = {
    written: [],
    batches: [],
    async write(batch) {
      await behaviour(batch, call++);
      sink.written.push(...batch);
      sink.batches.push(batch.length);
      return undefined;
    },
  };
  return sink;
}
