/**
 * Streaming JSONL front end used by `sluice detect`: one `{"text": …}` object per input line, one
 * `{"text": …, "entities": […]}` per output line, in order. A malformed line yields `{"error": …}` that
 * never echoes the input (it may hold PII), and processing goes on. Output respects back-pressure.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createDetector, type Detector, type DetectorOptions } from './detector.js';

/** Options for {@link detectJsonLines}: detector options, or a detector already built. */
export interface DetectJsonLinesOptions extends DetectorOptions {
  readonly detector?: Detector;
}

function write(output: NodeJS.WritableStream, line: string): Promise<unknown> | undefined {
  if (output.write(line + '\n')) return undefined;
  return once(output, 'drain'); // rejects if the stream errors instead (EPIPE, closed pipe)
}

function resultLine(line: string, n: number, detector: Detector): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return JSON.stringify({ error: `line ${n}: not valid JSON` });
  }
  const text =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as { text?: unknown }).text
      : undefined;
  if (typeof text !== 'string') {
    return JSON.stringify({ error: `line ${n}: expected an object with a string "text" field` });
  }
  const entities = detector.detect(text).map((e) => ({ type: e.type, start: e.start, end: e.end, score: e.score }));
  return JSON.stringify({ text, entities });
}

/**
 * Reads JSONL from `input`, writes one result line per non-empty input line to `output`. Does not end
 * `output`. Resolves with the number of lines processed (errors included).
 *
 * @example
 * await detectJsonLines(Readable.from(['{"text":"mail a@b.com"}\n']), process.stdout);
 * // {"text":"mail a@b.com","entities":[{"type":"EMAIL_ADDRESS","start":5,"end":12,"score":0.95}]}
 */
export async function detectJsonLines(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  options: DetectJsonLinesOptions = {},
): Promise<{ lines: number }> {
  const { detector: given, ...detectorOptions } = options;
  const detector = given ?? createDetector(detectorOptions);
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lines = 0;
  for await (const raw of rl) {
    const line = lines === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw; // UTF-8 BOM
    if (line.trim() === '') continue;
    lines++;
    const pending = write(output, resultLine(line, lines, detector));
    if (pending !== undefined) await pending;
  }
  return { lines };
}
