/**
 * Helpers for `sluice sim slack`: argument parsing and building the workspace the command serves
 * (a Slack export, or a synthetic workspace of N messages). The CLI package owns the command itself;
 * this keeps the simulator-specific choices next to the simulator.
 */

import { loadSlackExport } from './export-loader.js';
import type { RateLimitProfileName } from './rate-limiter.js';
import { type SlackSimulator, type SlackSimulatorOptions, startSlackSimulator } from './simulator.js';
import { generateSyntheticWorkspace } from './synthetic.js';
import type { SlackWorkspace } from './workspace.js';

/** Messages in the synthetic workspace when neither `--export` nor `--synthetic` is given. */
export const DEFAULT_SYNTHETIC_MESSAGES = 5000;

/** Parsed `sluice sim slack` arguments. */
export interface SimSlackArgs {
  exportPath?: string;
  synthetic?: number;
  profile: RateLimitProfileName;
  port: number;
  timeScale: number;
  seed: number;
}

/** Parses `[--export DIR | --synthetic N] [--profile tier3|non-marketplace] [--port P] [--time-scale X] [--seed S]`. */
export function parseSimSlackArgs(argv: readonly string[]): SimSlackArgs {
  const out: SimSlackArgs = { profile: 'tier3', port: 0, timeScale: 1, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const [name, inline] = flag.includes('=') ? (flag.split(/=(.*)/s, 2) as [string, string]) : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new RangeError(`${name} needs a value`);
      return v;
    };
    const number = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) throw new RangeError(`${name} must be a number >= ${min}, got ${v}`);
      return n;
    };
    switch (name) {
      case '--export':
        out.exportPath = value();
        break;
      case '--synthetic':
        out.synthetic = Math.floor(number(0));
        break;
      case '--profile': {
        const v = value();
        if (v !== 'tier3' && v !== 'non-marketplace')
          throw new RangeError(`--profile must be tier3 or non-marketplace, got ${v}`);
        out.profile = v;
        break;
      }
      case '--port':
        out.port = Math.floor(number(0));
        break;
      case '--time-scale': {
        const scale = number(0);
        if (scale === 0) throw new RangeError('--time-scale must be greater than 0');
        out.timeScale = scale;
        break;
      }
      case '--seed':
        out.seed = Math.floor(number(0));
        break;
      default:
        throw new RangeError(`unknown option ${flag}`);
    }
  }
  if (out.exportPath !== undefined && out.synthetic !== undefined) {
    throw new RangeError('--export and --synthetic are mutually exclusive');
  }
  return out;
}

/** Builds the workspace `sluice sim slack` serves for parsed arguments. */
export async function workspaceForSimArgs(args: SimSlackArgs, now: number = Date.now()): Promise<SlackWorkspace> {
  if (args.exportPath !== undefined) return loadSlackExport(args.exportPath);
  const total = args.synthetic ?? DEFAULT_SYNTHETIC_MESSAGES;
  // Grow people and channels slowly with volume, as real workspaces do.
  const channels = Math.min(200, Math.max(6, Math.round(Math.sqrt(total / 50))));
  const users = Math.min(5000, Math.max(10, Math.round(Math.sqrt(total) * 1.5)));
  return generateSyntheticWorkspace({ seed: args.seed, totalMessages: total, channels, users, days: 30, now });
}

/**
 * Parses `sluice sim slack` arguments and starts the simulator they describe.
 *
 * @example
 * ```ts
 * const sim = await startSimulatorFromArgs(['--synthetic', '2000', '--time-scale', '60']);
 * console.log(formatSimulatorBanner(sim));
 * ```
 */
export async function startSimulatorFromArgs(
  argv: readonly string[],
  extra: Omit<SlackSimulatorOptions, 'workspace' | 'port' | 'profile' | 'timeScale'> = {},
): Promise<SlackSimulator> {
  const args = parseSimSlackArgs(argv);
  const workspace = await workspaceForSimArgs(args);
  return startSlackSimulator({
    ...extra,
    workspace,
    port: args.port,
    profile: args.profile,
    timeScale: args.timeScale,
  });
}
