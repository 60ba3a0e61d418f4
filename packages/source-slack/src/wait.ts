/**
 * Idle waits of the sources' read loops: resolve when new work arrives or the run stops. Each wait
 * removes its abort listener, since a follow-mode loop waits once per event.
 */
/** Waits until `register`'s callback is called or the signal aborts, without leaking abort listeners. */
export function waitForWake(signal: AbortSignal, register: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    register(done);
  });
}
