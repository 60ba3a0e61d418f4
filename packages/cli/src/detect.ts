/**
 * `sluice detect [--entities A,B] [--region US]`: runs the PII detector over JSON Lines on stdin
 * (`{"text": …}` per line) and writes `{"text", "entities": [{type, start, end, score}]}` per line,
 * offsets in UTF-16 code units. For trying the detector on your own data before choosing a policy.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '@sluice/core';
import { type DetectorOptions, detectJsonLines, ENTITY_TYPES, type EntityType, isEntityType } from '@sluice/pii';

const OPTIONS = {
  entities: { type: 'string' },
  region: { type: 'string' },
} satisfies NonNullable<ParseArgsConfig['options']>;

export interface DetectIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
}

/** Parses the options of `sluice detect` into detector options; throws `ConfigError` (exit 2) on bad input. */
export function detectOptionsFromArgs(args: readonly string[]): DetectorOptions {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw invalid('', error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > 0) throw invalid('', `unexpected argument "${parsed.positionals[0]}"`);
  const options: { entities?: EntityType[]; defaultRegion?: NonNullable<DetectorOptions['defaultRegion']> } = {};
  if (parsed.values.entities !== undefined) {
    const names = parsed.values.entities
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = names.filter((n) => !isEntityType(n));
    if (unknown.length > 0 || names.length === 0) {
      throw invalid('--entities', `unknown entity type ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}`);
    }
    options.entities = names.filter(isEntityType);
  }
  if (parsed.values.region !== undefined) {
    const region = parsed.values.region.toUpperCase();
    if (!/^[A-Z]{2}$/.test(region)) throw invalid('--region', 'expected a two-letter region code such as US or GB');
    options.defaultRegion = region as NonNullable<DetectorOptions['defaultRegion']>;
  }
  return options;
}

/** The `detect` command. */
export async function detectCommand(args: readonly string[], io: DetectIo): Promise<number> {
  await detectJsonLines(io.stdin, io.stdout, detectOptionsFromArgs(args));
  return 0;
}

function invalid(path: string, message: string): ConfigError {
  return new ConfigError('policy_invalid', undefined, [
    { path, code: 'usage', message, hint: `sluice detect [--entities ${ENTITY_TYPES.join(',')}] [--region US]` },
  ]);
}
