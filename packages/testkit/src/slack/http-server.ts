/**
 * The simulator's HTTP front door: one `node:http` server on 127.0.0.1 that routes `/api/<method>`
 * to the Web API handlers and hands WebSocket upgrades to Socket Mode. It does what Slack's edge
 * does before a method runs: parse form or JSON bodies, find the token (Bearer header, or the `token`
 * field for form bodies), check its type, apply the rate limiter, and count calls. Tokens are never
 * logged or echoed.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from './clock.js';
import { METHODS, type MethodArgs, type MethodContext, SlackApiError, type TokenInfo } from './methods.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SocketModeHub } from './socket-mode.js';
import type { SlackWorkspace } from './workspace.js';

/** How Retry-After is expressed; see `SlackSimulatorOptions.retryAfter`. */
export type RetryAfterClock = 'real' | 'virtual';

export interface MethodStats {
  calls: number;
  ok: number;
  errors: number;
  rateLimited: number;
}

export interface ApiServerOptions {
  workspace: SlackWorkspace;
  tokens: ReadonlyMap<string, TokenInfo>;
  limiter: RateLimiter;
  clock: VirtualClock;
  hub: SocketModeHub;
  retryAfter: RetryAfterClock;
  repliesParentOnEveryPage: boolean;
}

const MAX_BODY_BYTES = 1 << 20;

/** The HTTP server plus its per-method counters. */
export class ApiServer {
  readonly server: Server;
  private readonly options: ApiServerOptions;
  readonly methodStats = new Map<string, MethodStats>();
  private wsBase = '';

  constructor(options: ApiServerOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ ok: false, error: 'internal_error' }));
      });
    });
    this.server.on('upgrade', (req, socket, head) => options.hub.handleUpgrade(req, socket, head));
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.wsBase = `ws://${host}:${address.port}`;
    return address;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private stat(method: string): MethodStats {
    let stats = this.methodStats.get(method);
    if (!stats) {
      stats = { calls: 0, ok: 0, errors: 0, rateLimited: 0 };
      this.methodStats.set(method, stats);
    }
    return stats;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!match) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = match[1] as string;
    const raw = await readBody(req);
    const parsed = parseArgs(req.headers['content-type'], raw, url.searchParams);
    const handler = METHODS[method];
    if (!handler) {
      send(res, 200, { ok: false, error: 'unknown_method', req_method: method });
      return;
    }
    const stats = this.stat(method);
    stats.calls += 1;
    if (parsed === undefined) {
      stats.errors += 1;
      send(res, 200, { ok: false, error: 'invalid_json' });
      return;
    }
    const { args, bodyToken } = parsed;
    const auth = authenticate(req.headers.authorization, bodyToken, this.options.tokens, method);
    if ('error' in auth) {
      stats.errors += 1;
      send(res, 200, { ok: false, error: auth.error });
      return;
    }
    const decision = this.options.limiter.check(auth.token.teamId, method);
    if (!decision.allowed) {
      stats.rateLimited += 1;
      const realMs = this.options.clock.toRealMs(decision.retryAfterVirtualMs);
      const seconds =
        this.options.retryAfter === 'real'
          ? Math.max(1, Math.ceil(realMs / 1000))
          : Math.max(1, Math.ceil(decision.retryAfterVirtualMs / 1000));
      send(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        {
          'retry-after': String(seconds),
          // Exact wait for clients with their own scheduler; the official clients ignore it.
          'x-sluice-sim-retry-after-ms': String(Math.ceil(realMs)),
        },
      );
      return;
    }
    const ctx: MethodContext = {
      workspace: this.options.workspace,
      token: auth.token,
      profile: this.options.limiter.profile,
      openSocketUrl: () => this.options.hub.issueUrl(this.wsBase),
      repliesParentOnEveryPage: this.options.repliesParentOnEveryPage,
    };
    const headers = { 'x-oauth-scopes': auth.token.scopes.join(',') };
    try {
      const body = handler(ctx, args);
      stats.ok += 1;
      send(res, 200, { ok: true, ...body }, headers);
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      stats.errors += 1;
      send(res, 200, { ok: false, error: error.error, ...error.extra }, headers);
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-slack-req-id': Math.random().toString(16).slice(2, 18),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Flattens form, JSON and query arguments to strings; undefined when a JSON body does not parse. */
export function parseArgs(
  contentType: string | undefined,
  raw: string,
  query: URLSearchParams,
): { args: MethodArgs; bodyToken: string | undefined } | undefined {
  const args: MethodArgs = {};
  for (const [key, value] of query) args[key] = value;
  let bodyToken: string | undefined;
  if (contentType?.includes('application/json')) {
    if (raw.trim() !== '') {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return undefined;
      }
      if (typeof body !== 'object' || body === null) return undefined;
      for (const [key, value] of Object.entries(body)) {
        if (value === undefined || value === null) continue;
        // Slack ignores `token` in JSON bodies: JSON requests must authenticate with the header.
        if (key === 'token') continue;
        args[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
      }
    }
  } else if (raw !== '') {
    for (const [key, value] of new URLSearchParams(raw)) args[key] = value;
  }
  if (args.token !== undefined) {
    bodyToken = args.token;
    delete args.token;
  }
  return { args, bodyToken };
}

function authenticate(
  header: string | undefined,
  bodyToken: string | undefined,
  tokens: ReadonlyMap<string, TokenInfo>,
  method: string,
): { token: TokenInfo } | { error: string } {
  const bearer = header && /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const appMethod = method === 'apps.connections.open';
  // apps.connections.open only accepts the token in the header (docs.slack.dev method page).
  const value = bearer || (appMethod ? undefined : bodyToken);
  if (!value) return { error: 'not_authed' };
  const token = tokens.get(value);
  if (!token) return { error: 'invalid_auth' };
  if (appMethod !== (token.kind === 'app')) return { error: 'not_allowed_token_type' };
  return { token };
}
