/**
 * Socket Mode, as Slack runs it: `apps.connections.open` hands out a one-time WebSocket URL; on
 * connect the server sends `hello`; events arrive in `events_api` envelopes that the app must ack by
 * sending `{ envelope_id }` within 3 seconds, or Slack redelivers them with `retry_attempt` + 1 and
 * `retry_reason: 'timeout'`. Slack pings the socket, asks clients to reconnect with `disconnect`
 * frames, and refuses more than 10 concurrent sockets per app (`too_many_websockets`).
 *
 * Delivery model (documented because Slack does not publish one for Socket Mode): an event raised
 * while no socket is connected is queued and delivered, oldest first, right after the next `hello`;
 * queued envelopes older than `queueRetentionMs` (virtual, default one hour) are dropped and counted
 * as expired. An envelope not acked in time is retried up to `maxRetries` times (Slack's HTTP Events
 * API retries 3 times), on any connected socket, then dropped and counted as expired.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { VirtualClock } from './clock.js';
import type { SlackEvent } from './types.js';

export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled' | 'too_many_websockets';

export interface SocketModeHubOptions {
  clock: VirtualClock;
  teamId: string;
  appId: string;
  botUserId: string;
  /** Legacy verification token Slack still puts in payloads. */
  verificationToken: string;
  /** Ack deadline in virtual ms (Slack: 3 s). */
  ackDeadlineMs?: number;
  /** Redeliveries after the first attempt (default 3). */
  maxRetries?: number;
  /** Concurrent sockets allowed (Slack: 10). */
  maxConnections?: number;
  /** Real ms between server pings (default 5000; the official client gives up after 30 s without one). */
  pingIntervalRealMs?: number;
  /** How long (virtual ms) an undelivered event is kept while no socket is connected (default 1 h). */
  queueRetentionMs?: number;
  /** Virtual ms after which Slack refreshes a connection (`refresh_requested`); 0 disables (default). */
  connectionLifetimeMs?: number;
  /** Virtual ms a socket may linger after a `disconnect` frame before the server closes it (10 s). */
  disconnectGraceMs?: number;
}

export interface SocketModeStats {
  connectionsOpened: number;
  openConnections: number;
  envelopesSent: number;
  acked: number;
  redelivered: number;
  expired: number;
  /** Waiting for a socket. */
  queued: number;
  /** Sent and not yet acked. */
  inFlight: number;
  disconnectsSent: number;
}

interface Envelope {
  envelope_id: string;
  type: 'events_api';
  accepts_response_payload: false;
  retry_attempt: number;
  retry_reason: string;
  payload: Record<string, unknown>;
  /** Virtual ms when the event was raised (not sent). */
  raisedAt: number;
}

interface Pending {
  envelope: Envelope;
  timer: NodeJS.Timeout;
}

interface Connection {
  socket: WebSocket;
  id: number;
  openedAt: number;
  lifetimeTimer?: NodeJS.Timeout;
  closeTimer?: NodeJS.Timeout;
}

/** Serves Socket Mode connections and delivers workspace events to them. */
export class SocketModeHub {
  private readonly options: Required<SocketModeHubOptions>;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly connections = new Set<Connection>();
  private readonly pending = new Map<string, Pending>();
  private queue: Envelope[] = [];
  private nextConnectionId = 1;
  private roundRobin = 0;
  private eventCounter = 0;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly counters = {
    connectionsOpened: 0,
    envelopesSent: 0,
    acked: 0,
    redelivered: 0,
    expired: 0,
    disconnectsSent: 0,
  };

  constructor(options: SocketModeHubOptions) {
    this.options = {
      ackDeadlineMs: 3000,
      maxRetries: 3,
      maxConnections: 10,
      pingIntervalRealMs: 5000,
      queueRetentionMs: 3_600_000,
      connectionLifetimeMs: 0,
      disconnectGraceMs: 10_000,
      ...options,
    };
    this.pingTimer = setInterval(() => {
      for (const conn of this.connections) conn.socket.ping(Buffer.from(`ping ${Date.now()}`));
    }, this.options.pingIntervalRealMs);
    this.pingTimer.unref();
  }

  /** Issues a one-time Socket Mode URL for `apps.connections.open`. */
  issueUrl(baseWsUrl: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${baseWsUrl}/link/?ticket=${ticket}&app_id=${this.options.appId}`;
  }

  /** Handles an HTTP upgrade on the simulator's server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!url.pathname.startsWith('/link') || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private debugInfo(conn: Connection): Record<string, unknown> {
    return { host: `applink-sim-${conn.id}` };
  }

  private accept(socket: WebSocket): void {
    const conn: Connection = { socket, id: this.nextConnectionId++, openedAt: this.options.clock.nowMs() };
    socket.on('error', () => {
      // A client that vanishes mid-frame is normal in tests; the close handler cleans up.
    });
    if (this.connections.size >= this.options.maxConnections) {
      this.sendFrame(socket, { type: 'disconnect', reason: 'too_many_websockets', debug_info: this.debugInfo(conn) });
      this.counters.disconnectsSent += 1;
      socket.close(1008, 'too_many_websockets');
      return;
    }
    this.connections.add(conn);
    this.counters.connectionsOpened += 1;
    socket.on('close', () => this.forget(conn));
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onClientMessage(data.toString());
    });
    const lifetime = this.options.connectionLifetimeMs;
    this.sendFrame(socket, {
      type: 'hello',
      num_connections: this.connections.size,
      debug_info: {
        ...this.debugInfo(conn),
        build_number: 1,
        approximate_connection_time: Math.round((lifetime > 0 ? lifetime : 18_060_000) / 1000),
      },
      connection_info: { app_id: this.options.appId },
    });
    if (lifetime > 0) {
      conn.lifetimeTimer = setTimeout(() => this.sendDisconnect(conn, 'refresh_requested'), this.realMs(lifetime));
      conn.lifetimeTimer.unref();
    }
    this.flushQueue();
  }

  private forget(conn: Connection): void {
    this.connections.delete(conn);
    clearTimeout(conn.lifetimeTimer);
    clearTimeout(conn.closeTimer);
  }

  private realMs(virtualMs: number): number {
    return Math.max(1, Math.ceil(this.options.clock.toRealMs(virtualMs)));
  }

  private sendFrame(socket: WebSocket, frame: Record<string, unknown>): void {
    socket.send(JSON.stringify(frame));
  }

  private onClientMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const envelopeId = (message as { envelope_id?: unknown }).envelope_id;
    if (typeof envelopeId !== 'string') return;
    const pending = this.pending.get(envelopeId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(envelopeId);
    this.counters.acked += 1;
  }

  /** Wraps an event in an `events_api` envelope and delivers (or queues) it. */
  deliver(event: SlackEvent): string {
    const now = this.options.clock.nowMs();
    this.eventCounter += 1;
    const eventId = `Ev0SIM${String(this.eventCounter).padStart(6, '0')}`;
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      raisedAt: now,
      payload: {
        token: this.options.verificationToken,
        team_id: this.options.teamId,
        context_team_id: this.options.teamId,
        context_enterprise_id: null,
        api_app_id: this.options.appId,
        event,
        type: 'event_callback',
        event_id: eventId,
        event_time: Math.floor(now / 1000),
        authorizations: [
          {
            enterprise_id: null,
            team_id: this.options.teamId,
            user_id: this.options.botUserId,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
        event_context: `4-${Buffer.from(`${this.options.teamId}:${eventId}`).toString('base64url')}`,
      },
    };
    this.send(envelope);
    return envelope.envelope_id;
  }

  private pickConnection(): Connection | undefined {
    const open = [...this.connections].filter((c) => c.socket.readyState === c.socket.OPEN);
    if (open.length === 0) return undefined;
    this.roundRobin = (this.roundRobin + 1) % open.length;
    return open[this.roundRobin];
  }

  private send(envelope: Envelope): void {
    const conn = this.pickConnection();
    if (!conn) {
      this.queue.push(envelope);
      return;
    }
    const { raisedAt: _raisedAt, ...frame } = envelope;
    this.sendFrame(conn.socket, frame);
    this.counters.envelopesSent += 1;
    const timer = setTimeout(() => this.onAckTimeout(envelope.envelope_id), this.realMs(this.options.ackDeadlineMs));
    timer.unref();
    this.pending.set(envelope.envelope_id, { envelope, timer });
  }

  private onAckTimeout(envelopeId: string): void {
    const pending = this.pending.get(envelopeId);
    if (!pending) return;
    this.pending.delete(envelopeId);
    const { envelope } = pending;
    if (envelope.retry_attempt >= this.options.maxRetries) {
      this.counters.expired += 1;
      return;
    }
    this.counters.redelivered += 1;
    this.send({ ...envelope, retry_attempt: envelope.retry_attempt + 1, retry_reason: 'timeout' });
  }

  private flushQueue(): void {
    const now = this.options.clock.nowMs();
    const queued = this.queue;
    this.queue = [];
    for (const envelope of queued) {
      if (now - envelope.raisedAt > this.options.queueRetentionMs) this.counters.expired += 1;
      else this.send(envelope);
    }
  }

  private sendDisconnect(conn: Connection, reason: DisconnectReason): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    this.sendFrame(conn.socket, { type: 'disconnect', reason, debug_info: this.debugInfo(conn) });
    this.counters.disconnectsSent += 1;
    // The client is expected to close; if it lingers, Slack closes the link after a grace period.
    conn.closeTimer = setTimeout(
      () => conn.socket.close(1000, reason),
      reason === 'link_disabled' ? 1 : this.realMs(this.options.disconnectGraceMs),
    );
    conn.closeTimer.unref();
  }

  /** Sends a `disconnect` frame with `reason` to every connected socket. */
  disconnect(reason: DisconnectReason): void {
    for (const conn of this.connections) this.sendDisconnect(conn, reason);
  }

  /** Drops every socket without a close handshake (a network failure, as the client sees it). */
  dropConnections(): void {
    for (const conn of [...this.connections]) {
      conn.socket.terminate();
      this.forget(conn);
    }
  }

  stats(): SocketModeStats {
    return {
      ...this.counters,
      openConnections: this.connections.size,
      queued: this.queue.length,
      inFlight: this.pending.size,
    };
  }

  /** Closes all sockets and timers. */
  close(): void {
    clearInterval(this.pingTimer);
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    this.pending.clear();
    this.dropConnections();
    this.wss.close();
  }
}
