/**
 * Virtual clock for the Slack simulator. Slack's limits and deadlines are stated in minutes and
 * seconds; tests cannot wait that long, so the simulator runs on a clock that advances `timeScale`
 * times faster than the wall clock. Everything Slack-visible (message `ts`, rate-limit windows, ack
 * deadlines) is in virtual time; `toRealMs` maps a virtual duration back to how long a client
 * really has to wait.
 */

/** A clock that runs `timeScale` times faster than `Date.now()`, starting at `startMs` (virtual). */
export class VirtualClock {
  readonly timeScale: number;
  private readonly realStart: number;
  private readonly virtualStart: number;
  private offsetMs = 0;

  constructor(options: { timeScale?: number; startMs?: number; realNow?: () => number } = {}) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new RangeError(`timeScale must be a positive finite number, got ${String(scale)}`);
    }
    this.timeScale = scale;
    this.realNow = options.realNow ?? Date.now;
    this.realStart = this.realNow();
    this.virtualStart = options.startMs ?? this.realStart;
  }

  private readonly realNow: () => number;

  /** Current virtual time in epoch milliseconds. */
  nowMs(): number {
    return this.virtualStart + (this.realNow() - this.realStart) * this.timeScale + this.offsetMs;
  }

  /** How many real milliseconds a virtual duration takes. */
  toRealMs(virtualMs: number): number {
    return virtualMs / this.timeScale;
  }

  /** How many virtual milliseconds pass during a real duration. */
  toVirtualMs(realMs: number): number {
    return realMs * this.timeScale;
  }

  /** Jump the virtual clock forward (tests use this to expire rate-limit windows instantly). */
  advance(virtualMs: number): void {
    if (virtualMs < 0) throw new RangeError('the virtual clock only moves forward');
    this.offsetMs += virtualMs;
  }
}
