/**
 * Slack message timestamps. A `ts` is a string `"<seconds>.<6 digits>"` that doubles as the message
 * id within a channel. Internally we keep it as integer microseconds (exact in a double up to 2^53,
 * i.e. far past year 2200), which is compact and sorts numerically.
 */

/** Parses `"1712345678.000100"` into microseconds; returns undefined when it is not a Slack ts. */
export function parseTs(ts: string | number | undefined): number | undefined {
  if (ts === undefined) return undefined;
  const text = String(ts).trim();
  if (text === '') return undefined;
  const match = /^(\d+)(?:\.(\d{0,6})\d*)?$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]);
  const micros = Number((match[2] ?? '').padEnd(6, '0'));
  return seconds * 1_000_000 + micros;
}

/** Formats microseconds as a Slack ts string. */
export function formatTs(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const rest = micros - seconds * 1_000_000;
  return `${seconds}.${String(rest).padStart(6, '0')}`;
}

/** Index of the first element >= value in an ascending array (binary search). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > value in an ascending array. */
export function upperBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
