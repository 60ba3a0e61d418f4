/**
 * Test helpers: drive a source the way the core does (pull items, ack them, commit each partition's
 * checkpoint as the position of its last acked item when every earlier one is acked too, run `onDone`
 * hooks), and a quiet logger. Tests feed the committed checkpoints back into `read()` to simulate a
 * restart after a crash.
 */
import type { Json, SluiceRecord, SourceInstance, SourceItem } from '@sluice/core';

export interface DriveOptions {
  checkpoints?: ReadonlyMap<string, Json>;
  mode?: 'until-caught-up' | 'follow';
  /** Stop (as if the process died) after this many items; only those are acked. */
  stopAfter?: number;
  /** Stop when this returns true for the items so far (follow mode). */
  until?: (items: readonly SourceItem[]) => boolean;
  signal?: AbortSignal;
  /** Called after each item is acked (e.g. to script Slack mid-run). */
  onItem?: (item: SourceItem, index: number) => void | Promise<void>;
  /** Fail the test if the source has not finished by then (ms). */
  timeoutMs?: number;
}

export interface DriveResult {
  items: SourceItem[];
  records: SluiceRecord[];
  /** Committed checkpoints after this run (the input ones overlaid with the new ones). */
  checkpoints: Map<string, Json>;
}

/** Pulls items from a source, acking each one as it arrives. */
export async function drive(source: SourceInstance, options: DriveOptions = {}): Promise<DriveResult> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const checkpoints = new Map(options.checkpoints ?? []);
  const items: SourceItem[] = [];
  const timer = setTimeout(() => controller.abort(new Error('drive timed out')), options.timeoutMs ?? 20_000);
  try {
    const iterable = source.read({
      checkpoints: new Map(options.checkpoints ?? []),
      mode: options.mode ?? 'until-caught-up',
      signal: controller.signal,
    });
    for await (const item of iterable) {
      items.push(item);
      if (item.position) checkpoints.set(item.position.partition, item.position.checkpoint);
      await item.onDone?.();
      await options.onItem?.(item, items.length - 1);
      if (options.stopAfter !== undefined && items.length >= options.stopAfter) break;
      if (options.until?.(items)) break;
    }
  } catch (error) {
    // A stop aborts waits inside the source; that is how reading ends, not a failure.
    if (!controller.signal.aborted || options.signal?.aborted !== true) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { items, records: items.map((i) => i.record), checkpoints };
}

export function messageKeys(records: readonly SluiceRecord[]): string[] {
  return records.filter((r) => r.kind === 'message').map((r) => r.key);
}

/** Keys that occur more than once. */
export function duplicates(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return [...dup];
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface RunningDrive {
  /** Items so far (acked as they arrive). */
  readonly items: SourceItem[];
  records(): SluiceRecord[];
  /** Stops reading (like a pipeline stop) and returns what was read. */
  stop(): Promise<DriveResult>;
}

/** Drives a source in the background (follow mode); the test scripts Slack meanwhile. */
export function startDriving(source: SourceInstance, options: Omit<DriveOptions, 'signal'> = {}): RunningDrive {
  const controller = new AbortController();
  const items: SourceItem[] = [];
  const done = drive(source, {
    mode: 'follow',
    timeoutMs: 60_000,
    ...options,
    signal: controller.signal,
    onItem: async (item, index) => {
      items.push(item);
      await options.onItem?.(item, index);
    },
  });
  return {
    items,
    records: () => items.map((i) => i.record),
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

/** The newest version of each key, as a sink that keeps the highest version would hold it. */
export function finalView(records: readonly SluiceRecord[]): Map<string, SluiceRecord> {
  const out = new Map<string, SluiceRecord>();
  for (const r of records) {
    const key = `${r.kind}:${r.key}`;
    const current = out.get(key);
    if (!current || r.version >= current.version) out.set(key, r);
  }
  return out;
}
