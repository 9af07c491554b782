import { CloseCode } from '@session-tracker/shared';
import { ClientError } from '../errors.js';
import type { Logger } from '../logger.js';
import { TimerSlot, type Timers } from '../timers.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Liveness } from './liveness.js';
import type { NetworkMonitor } from './network.js';
import type { ConnectGate } from './tabs.js';
import { StateMachine, type ConnectionState, type StateChange } from './state.js';
import { Transport, type WebSocketConstructor } from './transport.js';

/**
 * Server close codes after which the client stays disconnected instead of retrying: an
 * admin ended the session (4000), or the server refuses this client (1008: origin, abuse).
 * Every other code reconnects, `4001` (the client read too slowly) included.
 */
export const NO_RECONNECT_CODES: ReadonlySet<number> = new Set<number>([CloseCode.TerminatedByAdmin, CloseCode.Policy]);

/** The close code reported for drops that have no real one (timeouts, going offline, transport failures). */
export const ABNORMAL_CLOSE = 1006;

export interface ConnectionOptions {
  WebSocket: WebSocketConstructor;
  /** Called before each attempt, so each one carries the current resume token (as a subprotocol). */
  endpoint(): { url: string; protocols: string[] };
  /** Serializes handshakes across tabs (Web Locks), or null. */
  gate: ConnectGate | null;
  backoff: BackoffOptions;
  /** A connection must stay up this long before the backoff attempt count resets. */
  minUptimeMs: number;
  /** From opening the socket to `session.welcome`. */
  connectTimeoutMs: number;
  timers: Timers;
  random: () => number;
  logger: Logger;
  network: NetworkMonitor | null;
}

export interface ConnectionHooks {
  state(change: StateChange): void;
  message(text: string): void;
  /** Liveness: send `session.ping` on the connected socket. */
  ping(timeoutMs: number): void;
  /** Runs inside the disconnect funnel, before the state changes. */
  disconnected(info: { code: number; reason: string; reconnect: boolean }): void;
  error(error: ClientError): void;
}

/**
 * Owns the socket, the state machine and every connection timer. All ways of losing
 * the connection go through `disconnect(code, reason, reconnect)`.
 */
export class ConnectionManager {
  private readonly machine: StateMachine;
  private readonly backoff: Backoff;
  private readonly reconnectTimer: TimerSlot;
  private readonly connectTimer: TimerSlot;
  private readonly stableTimer: TimerSlot;
  private readonly liveness: Liveness;
  private transport: Transport | null = null;
  /** Ends this tab's turn at the gate: cancels the wait, or releases the lock. */
  private endTurn: (() => void) | null = null;
  private waitingForOnline = false;
  private heartbeatMs = 0;
  private readonly unsubscribeNetwork: (() => void) | null;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.machine = new StateMachine('disconnected', hooks.state);
    this.backoff = new Backoff(options.backoff, options.random);
    this.reconnectTimer = new TimerSlot(options.timers);
    this.connectTimer = new TimerSlot(options.timers);
    this.stableTimer = new TimerSlot(options.timers);
    this.liveness = new Liveness(options.timers, {
      ping: () => this.hooks.ping(this.heartbeatMs),
      dead: () => this.disconnect(ABNORMAL_CLOSE, 'no answer to session.ping within heartbeatMs', true),
    });
    this.unsubscribeNetwork =
      options.network?.subscribe(
        () => this.handleOnline(),
        () => this.handleOffline(),
      ) ?? null;
  }

  get state(): ConnectionState {
    return this.machine.state;
  }

  /** Retry delays taken since the last stable connection. */
  get attempts(): number {
    return this.backoff.attempts;
  }

  /** Starts connecting; does nothing unless `disconnected`. */
  connect(): void {
    if (this.machine.state !== 'disconnected') return;
    this.backoff.reset();
    this.machine.set('connecting');
    this.openTransport();
  }

  /** The server's welcome arrived (its token stored): the connection is usable. */
  established(heartbeatMs: number): void {
    if (this.machine.state !== 'connecting') return;
    this.connectTimer.clear();
    this.releaseTurn();
    this.heartbeatMs = heartbeatMs;
    this.liveness.start(heartbeatMs);
    this.machine.set('connected');
    this.stableTimer.set(() => {
      this.options.logger.debug('session-tracker: connection stable, backoff reset');
      this.backoff.reset();
    }, this.options.minUptimeMs);
  }

  /** True while a socket is open (welcome or not). */
  get transportOpen(): boolean {
    return this.transport?.isOpen ?? false;
  }

  send(text: string): boolean {
    return this.transport?.send(text) ?? false;
  }

  /** The one funnel for losing the connection. */
  disconnect(code: number, reason: string, reconnect: boolean): void {
    const state = this.machine.state;
    if (state === 'closed' || state === 'disconnected') return;
    this.teardown(code, reason, reconnect);
    this.machine.set(reconnect ? 'connecting' : 'disconnected', { code, reason });
    if (reconnect) this.scheduleReconnect();
  }

  /** Final: no more connections. */
  close(reason = 'client closed'): void {
    if (this.machine.state === 'closed') return;
    this.teardown(CloseCode.Normal, reason, false);
    this.unsubscribeNetwork?.();
    this.machine.set('closed', { code: CloseCode.Normal, reason });
  }

  private teardown(code: number, reason: string, reconnect: boolean): void {
    this.reconnectTimer.clear();
    this.connectTimer.clear();
    this.stableTimer.clear();
    this.liveness.stop();
    this.releaseTurn();
    this.waitingForOnline = false;
    const transport = this.transport;
    this.transport = null;
    // Browsers only accept 1000 or 3000-4999 from a client; the real code stays in the state event.
    transport?.close(CloseCode.Normal, reason.slice(0, 120));
    this.hooks.disconnected({ code, reason, reconnect });
  }

  private openTransport(): void {
    this.reconnectTimer.clear();
    this.waitingForOnline = false;
    if (this.machine.state !== 'connecting') return;
    if (this.options.network !== null && !this.options.network.isOnline()) {
      this.options.logger.debug('session-tracker: offline, waiting for the network');
      this.waitingForOnline = true;
      return;
    }
    const gate = this.options.gate;
    if (gate === null) this.createTransport();
    else this.endTurn = gate.acquire(() => this.createTransport(), this.options.connectTimeoutMs);
  }

  private releaseTurn(): void {
    const end = this.endTurn;
    this.endTurn = null;
    end?.();
  }

  private createTransport(): void {
    if (this.machine.state !== 'connecting' || this.transport !== null) {
      this.releaseTurn();
      return;
    }
    try {
      const { url, protocols } = this.options.endpoint();
      this.options.logger.debug('session-tracker: connecting', { attempt: this.backoff.attempts });
      this.transport = new Transport(
        this.options.WebSocket,
        url,
        protocols,
        {
          open: () => this.options.logger.debug('session-tracker: socket open, waiting for welcome'),
          message: (text) => {
            this.liveness.heard();
            this.hooks.message(text);
          },
          binary: () => this.hooks.error(new ClientError('PROTOCOL_ERROR', 'unexpected binary frame from the server')),
          error: (detail) => this.hooks.error(new ClientError('TRANSPORT_ERROR', 'WebSocket error', detail)),
          close: (code, reason) => {
            this.transport = null;
            this.options.logger.info('session-tracker: socket closed', { code, reason });
            this.disconnect(code, reason, !NO_RECONNECT_CODES.has(code));
          },
        },
        this.options.logger,
      );
    } catch (err) {
      this.releaseTurn();
      this.hooks.error(new ClientError('TRANSPORT_ERROR', 'could not create the WebSocket', err));
      this.scheduleReconnect();
      return;
    }
    this.connectTimer.set(() => this.disconnect(ABNORMAL_CLOSE, 'connect timeout', true), this.options.connectTimeoutMs);
  }

  private scheduleReconnect(): void {
    if (this.machine.state !== 'connecting') return;
    if (this.options.network !== null && !this.options.network.isOnline()) {
      this.waitingForOnline = true;
      return;
    }
    const delay = this.backoff.next();
    this.options.logger.debug('session-tracker: reconnecting later', { delayMs: delay, attempt: this.backoff.attempts });
    this.reconnectTimer.set(() => this.openTransport(), delay);
  }

  private handleOnline(): void {
    if (this.machine.state !== 'connecting' || this.transport !== null || this.endTurn !== null) return;
    if (!this.waitingForOnline && !this.reconnectTimer.armed) return;
    this.options.logger.debug('session-tracker: back online, reconnecting now');
    this.backoff.reset();
    this.openTransport();
  }

  private handleOffline(): void {
    const state = this.machine.state;
    if (state === 'connected' || (state === 'connecting' && (this.transport !== null || this.endTurn !== null))) {
      this.disconnect(ABNORMAL_CLOSE, 'offline', true);
    }
  }
}
