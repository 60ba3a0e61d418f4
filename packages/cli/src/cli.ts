/**
 * The `sluice` command. Exit codes: 0 ok, 1 runtime failure, 2 bad input (policy, arguments). Errors
 * are one line per problem, never a stack trace, and never echo record content or secrets.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, createLogger, isSluiceError, type Pipeline, safeErrorMessage } from '@sluice/core';
import { explainPipeline, formatInventory, policyJsonSchema } from '@sluice/policy';
import { detectCommand } from './detect.js';
import { detokenizeCommand } from './detokenize.js';
import { deleteTenantData, openStateStore, preparePolicy, runPolicyFile } from './runtime.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `Usage: sluice <command> [options]

Commands:
  validate <policy>                 Check a policy and every plugin config; exit 2 with one line per problem.
  explain <policy> [--json]         For each table, the columns stored at this policy and their sensitivity.
  run <policy> [--until-caught-up]  Run the pipeline (follows live sources unless --until-caught-up).
  schema                            Print the policy JSON Schema.
  dead-letters <policy> [--json]    List dead-lettered records (already redacted).
  audit <policy> [--json]           List the audit trail of the policy's tenant.
  delete-tenant <policy> --yes      Delete everything stored for the policy's tenant.
  detect [--entities A,B] [--region US]
                                    Detect PII in JSON Lines {"text"} from stdin; write entities as JSON Lines.
  detokenize <policy> <token>...    Print the values of reversible tokens (audited; needs the tenant key).
  sim slack [--export DIR | --synthetic N] [--profile tier3|non-marketplace] [--port P] [--time-scale X]
                                    Run the Slack simulator (Web API + Socket Mode) until interrupted.

Exit codes: 0 ok, 1 runtime failure, 2 bad input.`;

export class UsageError extends Error {}

/** Runs the CLI and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'validate':
        return await validate(rest, out, err);
      case 'explain':
        return await explain(rest, out, err);
      case 'run':
        return await run(rest, out, err);
      case 'schema':
        out(JSON.stringify(policyJsonSchema(), null, 2));
        return 0;
      case 'dead-letters':
        return await listState('dead-letters', rest, out);
      case 'audit':
        return await listState('audit', rest, out);
      case 'delete-tenant':
        return await deleteTenant(rest, out);
      case 'sim':
        return await simulate(rest, out);
      case 'detect':
        return await detectCommand(rest, io);
      case 'detokenize':
        return await detokenizeCommand(rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return reportError(error, err);
  }
}

function reportError(error: unknown, err: (text: string) => void): number {
  if (error instanceof UsageError) {
    err(`sluice: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (error instanceof ConfigError || (isSluiceError(error) && 'issues' in error)) {
    err(error.message);
    return 2;
  }
  if (isSluiceError(error)) {
    err(`sluice: ${error.code}: ${error.message}`);
    return 1;
  }
  err(`sluice: ${safeErrorMessage(error)}`);
  return 1;
}

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']> = {}) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function policyArg(positionals: string[]): string {
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError('missing <policy> argument');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return file;
}

async function validate(args: readonly string[], out: (t: string) => void, err: (t: string) => void) {
  const { positionals } = parse(args);
  const file = policyArg(positionals);
  const { loaded, resolved } = await preparePolicy(file);
  for (const w of loaded.warnings) err(`warning: ${w}`);
  out(
    `${file}: ok (tenant ${resolved.tenant}; source ${resolved.source.definition.type}; ` +
      `${resolved.transforms.length} transforms; sink ${resolved.sink.definition.type})`,
  );
  return 0;
}

async function explain(args: readonly string[], out: (t: string) => void, err: (t: string) => void) {
  const { positionals, values } = parse(args, { json: { type: 'boolean' } });
  const file = policyArg(positionals);
  const { loaded, resolved } = await preparePolicy(file, { skipEnv: true });
  const tables = explainPipeline(resolved);
  if (values.json) {
    out(JSON.stringify({ tenant: resolved.tenant, tables }, null, 2));
    return 0;
  }
  for (const w of loaded.warnings) err(`warning: ${w}`);
  const chain = resolved.transforms.map((t) => `${t.id} (${t.definition.type})`).join(' → ') || 'none';
  out(
    formatInventory(tables, [
      `Data inventory for ${file}`,
      `tenant: ${resolved.tenant}   sink: ${resolved.sink.definition.type}   transforms: ${chain}`,
    ]),
  );
  return 0;
}

async function run(args: readonly string[], out: (t: string) => void, err: (t: string) => void) {
  const { positionals, values } = parse(args, { 'until-caught-up': { type: 'boolean' } });
  const file = policyArg(positionals);
  const logger = createLogger();
  let pipeline: Pipeline | undefined;
  // A signal during startup must still stop the run once the pipeline exists.
  let stopRequested = false;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      err(`sluice: second ${signal}, exiting now (unacked records will be read again)`);
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    stopRequested = true;
    void pipeline?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runPolicyFile(file, {
      logger,
      mode: values['until-caught-up'] ? 'until-caught-up' : 'follow',
      onStart: (p) => {
        pipeline = p;
        if (stopRequested) void p.stop();
      },
    });
    for (const w of result.warnings) err(`warning: ${w}`);
    const t = result.summary.metrics.totals;
    out(
      `${result.summary.outcome}: read ${t.read}, written ${t.written}, dropped ${t.dropped}, dead-lettered ${t.deadLettered}` +
        (result.retention ? `, retention deleted ${result.retention.deleted}` : ''),
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function listState(what: 'dead-letters' | 'audit', args: readonly string[], out: (t: string) => void) {
  const { positionals, values } = parse(args, { json: { type: 'boolean' } });
  const file = policyArg(positionals);
  const { loaded } = await preparePolicy(file, { skipEnv: true });
  const state = openStateStore(loaded);
  try {
    const tenant = loaded.policy.tenant;
    const rows = what === 'audit' ? await state.listAudit({ tenant }) : await state.listDeadLetters({ tenant });
    if (values.json) {
      for (const row of rows) out(JSON.stringify(row));
    } else if (what === 'audit') {
      for (const row of rows as Awaited<ReturnType<typeof state.listAudit>>) {
        out(
          `${row.at}  ${row.action.padEnd(20)} ${row.actor.padEnd(18)} ${row.subject ?? ''} ${JSON.stringify(row.details)}`,
        );
      }
    } else {
      for (const row of rows as Awaited<ReturnType<typeof state.listDeadLetters>>) {
        out(
          `${row.time}  ${row.stage}/${row.component}  ${row.code}  ${row.recordKind ?? '?'} ${row.recordKey ?? ''}  ${row.message}`,
        );
      }
    }
    if (!values.json) out(`${rows.length} ${what === 'audit' ? 'audit events' : 'dead letters'}`);
    return 0;
  } finally {
    await state.close();
  }
}

async function deleteTenant(args: readonly string[], out: (t: string) => void) {
  const { positionals, values } = parse(args, { yes: { type: 'boolean' } });
  const file = policyArg(positionals);
  if (!values.yes) throw new UsageError('delete-tenant removes every stored record of the tenant; pass --yes');
  const result = await deleteTenantData(file);
  out(`deleted: ${result.sinkRows} rows from the sink, ${result.keyVersions} key versions, and the tenant's state`);
  return 0;
}

async function simulate(args: readonly string[], out: (t: string) => void) {
  const [what, ...rest] = args;
  if (what !== 'slack') throw new UsageError('sim needs a simulator name: sim slack');
  const { formatSimulatorBanner, startSimulatorFromArgs } = await import('@sluice/testkit/slack');
  let sim: Awaited<ReturnType<typeof startSimulatorFromArgs>>;
  try {
    sim = await startSimulatorFromArgs(rest);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  out(formatSimulatorBanner(sim));
  out('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}
