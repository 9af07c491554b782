import type { WebSocket, RawData } from 'ws';
import { notification, type WelcomeParams } from '@session-tracker/shared';
import type { Logger } from 'pino';
import { CloseCode } from '@session-tracker/shared';
import type { Feeds } from '../feeds/feeds.js';
import type { ServerOptions } from '../options.js';
import { take, type RateLimit } from '../sessions/rate-limit.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Peer, Session } from '../sessions/session.js';
import type { TrackerStats } from '../stats.js';
import { ByteWriter } from '../lib/byte-writer.js';

/** Items per fragment of a streamed answer: about 300 KiB of SessionInfo. */
const STREAM_SLICE = 500;
/** Where answers are written before each is copied out to its socket: one for the process (writes are synchronous). */
const writer = new ByteWriter(512 * 1024);

const kConn = Symbol('session-tracker.connection');
type Tagged = WebSocket & { [kConn]?: Connection };

let nextSocketId = 1;

/**
 * A JSON answer as text in pieces, to stream: head, `count` items (any slice of them as
 * comma-joined text), tail. The RPC layer's RawJson is one.
 */
export interface StreamedJson {
  readonly head: string;
  readonly tail: string;
  readonly count: number;
  /** Items [from, to), comma-joined, as UTF-8 into the writer. */
  writeSlice(from: number, to: number, w: ByteWriter): void;
  text(): string;
}

/** Where a socket's frames go once counted and rate-limited: the RPC router. */
export interface FrameReceiver {
  receive(conn: Connection, frame: Buffer, isBinary: boolean, limited: boolean): void;
}

/** What a connection uses of the tracker (built once in server.ts; an RPC call sees more of it). */
export interface ConnectionServices {
  readonly options: ServerOptions;
  readonly log: Logger;
  readonly stats: TrackerStats;
  readonly rateLimit: RateLimit;
  readonly registry: SessionRegistry;
  readonly connections: Set<Connection>;
  readonly feeds: Feeds;
  readonly router: FrameReceiver;
}

/**
 * One socket of a session. Listeners are shared module functions that find it via kConn. `C`
 * is what the tracker gave it: the RPC layer's services, so the connection serves as the call
 * context ({conn, session, ctx}) as it is.
 */
export class Connection<C extends ConnectionServices = ConnectionServices> implements Peer {
  readonly socketId = nextSocketId++;
  /** Set by any inbound frame, cleared by each heartbeat tick. */
  alive = true;
  /** Frames waiting while an async call (a login) runs: calls are handled in arrival order. */
  backlog: Array<[frame: Buffer, isBinary: boolean, limited: boolean]> | undefined;
  busy = false;
  closed = false;

  constructor(
    readonly ws: WebSocket,
    readonly session: Session,
    readonly ctx: C,
  ) {}

  /** Lets a connection serve as the RPC call context ({conn, session, ctx}) as it is. */
  get conn(): this {
    return this;
  }

  get open(): boolean {
    return !this.closed && this.ws.readyState === 1;
  }

  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  /** Messages held while a streamed answer is being written: fragments must not interleave. */
  private held: string[] | undefined;

  /** Sends one JSON value as a text frame and counts its bytes. */
  send(message: unknown): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends JSON text as one text frame and counts its bytes. */
  sendText(text: string): void {
    if (this.closed || this.ws.readyState !== 1) return;
    if (this.held) {
      this.held.push(text);
      return;
    }
    this.sendBytes(Buffer.from(text, 'utf8'));
  }

  /** Sends UTF-8 JSON as one text frame and counts its bytes. */
  private sendBytes(buf: Buffer): void {
    // A reader still sitting on megabytes it was sent before is a slow consumer; one big
    // answer on its own is not.
    if (this.ws.bufferedAmount > this.ctx.options.sendHardLimit) return this.dropSlowConsumer();
    this.session.totalBytesReceived += buf.length;
    this.ctx.stats.bytesToClients += buf.length;
    this.ctx.stats.messagesToClients++;
    // No callback: a failed send surfaces as the socket's 'error' and 'close'.
    this.ws.send(buf, { binary: false });
  }

  /**
   * Sends head + items (rendered, comma-joined) + tail as one text message. Small ones go at
   * once; big ones in fragments of STREAM_SLICE items, one slice per event-loop turn.
   */
  sendStream(raw: StreamedJson): void {
    if (this.closed || this.ws.readyState !== 1) return;
    // Behind another streamed answer: queued as text, sent once that one is done.
    if (this.held) return this.sendText(raw.text());
    if (raw.count <= STREAM_SLICE) {
      const w = writer.reset();
      w.text(raw.head);
      raw.writeSlice(0, raw.count, w);
      w.text(raw.tail);
      return this.sendBytes(w.take());
    }
    this.held = [];
    let next = 0;
    const step = (): void => {
      if (this.closed || this.ws.readyState !== 1) {
        this.held = undefined;
        return;
      }
      const end = Math.min(raw.count, next + STREAM_SLICE);
      const w = writer.reset();
      if (next === 0) w.text(raw.head);
      else w.byte(0x2c);
      raw.writeSlice(next, end, w);
      next = end;
      const last = next >= raw.count;
      if (last) w.text(raw.tail);
      const buf = w.take();
      this.session.totalBytesReceived += buf.length;
      this.ctx.stats.bytesToClients += buf.length;
      if (!last) {
        // Backpressure: past the feed mark, the next slice waits until this one has gone to
        // the kernel (the send's callback; on a closed socket it comes with an error and the
        // step stops), not for a timer.
        if (this.ws.bufferedAmount + buf.length > this.ctx.options.feedHighWaterMark)
          this.ws.send(buf, { binary: false, fin: false }, () => step());
        else {
          this.ws.send(buf, { binary: false, fin: false });
          setImmediate(step);
        }
        return;
      }
      this.ws.send(buf, { binary: false, fin: true });
      this.ctx.stats.messagesToClients++;
      const held = this.held ?? [];
      this.held = undefined;
      for (const t of held) this.sendText(t);
    };
    step();
  }

  /** A reader that lets megabytes pile up unsent is cut off rather than held in memory. */
  private dropSlowConsumer(): void {
    if (this.closed) return;
    this.ctx.log.warn({ event: 'socket.slow', sessionId: this.session.id, buffered: this.ws.bufferedAmount }, 'slow consumer closed');
    this.ws.close(CloseCode.SlowReader, 'slow reader: unsent data over the limit');
    // The close frame waits behind the backlog: do not wait for it.
    setTimeout(terminateSocket, this.ctx.options.closeTimeoutMs, this.ws).unref();
  }

  ping(): void {
    if (this.ws.readyState === 1) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reason);
  }

  terminate(reason: string): void {
    this.ctx.log.debug({ sessionId: this.session.id, socketId: this.socketId, reason }, 'socket dropped');
    this.ws.terminate();
  }
}

/** Wires a freshly upgraded socket to its session and sends the welcome. */
export function accept<C extends ConnectionServices>(ctx: C, ws: WebSocket, session: Session, welcome: WelcomeParams): Connection<C> {
  const conn = new Connection(ws, session, ctx);
  (ws as Tagged)[kConn] = conn;
  ws.on('error', onError);
  ws.on('message', onMessage);
  ws.on('pong', onLiveness);
  ws.on('ping', onLiveness);
  ws.once('close', onClose);
  ctx.connections.add(conn);
  ctx.registry.attach(session, conn);
  session.lastCommAt = Date.now();
  conn.send(notification('session.welcome', welcome));
  return conn;
}

function connOf(ws: WebSocket): Connection | undefined {
  return (ws as Tagged)[kConn];
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const conn = connOf(this);
  if (!conn || conn.closed) return;
  const now = Date.now();
  const buf = toBuffer(data);
  // The byte rule: every data message counts, valid or not, before it is handled.
  const s = conn.session;
  s.countFromClient(buf.length, now);
  conn.alive = true;
  const { stats, options } = conn.ctx;
  stats.bytesFromClients += buf.length;
  stats.messagesFromClients++;
  let limited = false;
  if (options.rateLimitPerSecond > 0 && !take(s.bucket, conn.ctx.rateLimit, now)) {
    limited = true;
    if (now - s.bucket.limitedSince >= options.abuseCloseAfterMs) {
      conn.ctx.log.warn({ event: 'socket.abuse', sessionId: s.id, clientAddress: s.clientAddress }, 'rate limit exceeded for too long');
      conn.close(CloseCode.Policy, 'rate limit exceeded');
      return;
    }
  }
  conn.ctx.router.receive(conn, buf, isBinary, limited);
}

function onLiveness(this: WebSocket): void {
  const conn = connOf(this);
  if (!conn) return;
  conn.alive = true;
  conn.session.lastCommAt = Date.now();
}

function onError(this: WebSocket, err: Error & { code?: string }): void {
  const conn = connOf(this);
  conn?.ctx.log.debug({ err: { message: err.message, code: err.code }, sessionId: conn.session.id }, 'socket error');
  // ws closes the socket itself after an error (1007, 1009, ...): the close handler cleans up.
}

function onClose(this: WebSocket, code: number): void {
  const conn = connOf(this);
  if (!conn || conn.closed) return;
  conn.closed = true;
  conn.backlog = undefined;
  conn.ctx.connections.delete(conn);
  conn.ctx.feeds.dropConnection(conn);
  conn.ctx.registry.detach(conn.session, conn);
  conn.ctx.log.debug({ sessionId: conn.session.id, socketId: conn.socketId, code }, 'socket closed');
}

function terminateSocket(ws: WebSocket): void {
  if (ws.readyState !== 3) ws.terminate();
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
