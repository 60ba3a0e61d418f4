/**
 * The capped checkpointer. Records of a partition are tracked in the order the source emitted them;
 * acknowledgements may arrive in any order, but a partition's committed checkpoint only moves to the
 * highest position whose record and every earlier one are acked. The cap bounds the records in flight
 * across all partitions: `acquire()` waits while the cap is reached, which is how a slow sink pushes
 * back all the way to the source.
 */
import type { Json } from './plugin.js';

/** Handle of one tracked record, passed back to `ack`. */
export interface CheckpointTicket {
  readonly partition: string | null;
  readonly seq: number;
  /** Set by `ack`; makes acking idempotent. */
  done: boolean;
}

interface PartitionQueue {
  /** Checkpoints of unacked-or-not-yet-passed records, by seq, in emission order. */
  pending: Map<number, { checkpoint: Json; acked: boolean }>;
  /** Lowest seq not yet passed (head of the queue). */
  head: number;
  next: number;
}

export class CappedCheckpointer {
  readonly cap: number;
  private inFlight = 0;
  private readonly partitions = new Map<string, PartitionQueue>();
  private readonly advanced = new Map<string, Json>();
  private readonly waiters: Array<() => void> = [];

  constructor(cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError('checkpointer cap must be a positive integer');
    this.cap = cap;
  }

  /** Records currently in flight (tracked, not yet acked). */
  get size(): number {
    return this.inFlight;
  }

  /** Resolves when one more record may be put in flight. */
  acquire(): Promise<void> | undefined {
    if (this.inFlight < this.cap) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Tracks a record; records without a position only count against the cap. */
  track(position: { partition: string; checkpoint: Json } | undefined): CheckpointTicket {
    this.inFlight++;
    if (position === undefined) return { partition: null, seq: -1, done: false };
    let queue = this.partitions.get(position.partition);
    if (!queue) {
      queue = { pending: new Map(), head: 0, next: 0 };
      this.partitions.set(position.partition, queue);
    }
    const seq = queue.next++;
    queue.pending.set(seq, { checkpoint: position.checkpoint, acked: false });
    return { partition: position.partition, seq, done: false };
  }

  /** Marks a record durably handled. Idempotent per ticket. */
  ack(ticket: CheckpointTicket): void {
    if (ticket.done) return;
    ticket.done = true;
    if (ticket.partition !== null) {
      const queue = this.partitions.get(ticket.partition);
      const entry = queue?.pending.get(ticket.seq);
      if (!queue || !entry) throw new Error('ack for a record this checkpointer does not track');
      entry.acked = true;
      let last: Json | undefined;
      let moved = false;
      while (true) {
        const head = queue.pending.get(queue.head);
        if (!head?.acked) break;
        last = head.checkpoint;
        moved = true;
        queue.pending.delete(queue.head);
        queue.head++;
      }
      if (moved) this.advanced.set(ticket.partition, last as Json);
    }
    this.release();
  }

  /** Checkpoints that moved since the last call, ready to persist. */
  takeAdvanced(): Map<string, Json> {
    const out = new Map(this.advanced);
    this.advanced.clear();
    return out;
  }

  /** Puts checkpoints back (e.g. after a failed save) unless newer ones were taken since. */
  restoreAdvanced(checkpoints: ReadonlyMap<string, Json>): void {
    for (const [partition, value] of checkpoints) {
      if (!this.advanced.has(partition)) this.advanced.set(partition, value);
    }
  }

  private release(): void {
    this.inFlight--;
    const waiter = this.waiters.shift();
    if (waiter) waiter();
  }
}
