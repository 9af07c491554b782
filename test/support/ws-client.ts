/**
 * A deliberately small, raw JSON-RPC 2.0 client over `ws`, written from PROTOCOL.md only,
 * as a third-party client would be. It never imports the SDK: the contract tests must see
 * exactly the frames a stranger would send and receive.
 */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';

export interface WelcomeParams {
  sessionId: string;
  resumeToken: string;
  resumed: boolean;
  heartbeatMs: number;
  serverTime: number;
}

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** A response as received: either `result` or `error` is set. */
export interface RpcResponse<R = any> {
  jsonrpc: string;
  id: string | number | null;
  result?: R;
  error?: RpcError;
}

/** One data message received from the server. */
export interface Received {
  /** The parsed JSON (an object, or an array for a batch response); `undefined` if not JSON. */
  data: any;
  text: string;
  binary: boolean;
  at: number;
}

export interface ConnectOptions {
  project?: string;
  scope?: string;
  resume?: string;
  /** More query parameters, sent as given (after the three above). */
  query?: Record<string, string>;
  /** Raw query string to use instead of building one (without the leading `?`). */
  rawQuery?: string;
  headers?: Record<string, string>;
  /** WebSocket subprotocols to offer (1.1: `session-tracker.v1`, `resume.<token>`). */
  protocols?: string[];
  origin?: string;
  userAgent?: string;
  /** Answer the server's pings (the `ws` default). */
  autoPong?: boolean;
  /** Wait for `session.welcome` before resolving (default true). */
  awaitWelcome?: boolean;
  timeoutMs?: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export function buildWsUrl(wsUrl: string, options: ConnectOptions = {}): string {
  if (options.rawQuery !== undefined) return `${wsUrl}?${options.rawQuery}`;
  const parts: string[] = [];
  const add = (k: string, v: string) => parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  if (options.project !== undefined) add('project', options.project);
  if (options.scope !== undefined) add('scope', options.scope);
  if (options.resume !== undefined) add('resume', options.resume);
  for (const [k, v] of Object.entries(options.query ?? {})) add(k, v);
  return parts.length > 0 ? `${wsUrl}?${parts.join('&')}` : wsUrl;
}

function headersOf(options: ConnectOptions): Record<string, string> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.userAgent !== undefined) headers['User-Agent'] = options.userAgent;
  if (options.origin !== undefined) headers.Origin = options.origin;
  return headers;
}

function wsOptions(options: ConnectOptions): WebSocket.ClientOptions {
  // No permessage-deflate: the byte counters are about payload bytes, keep them unambiguous.
  return {
    headers: headersOf(options),
    perMessageDeflate: false,
    autoPong: options.autoPong ?? true,
    handshakeTimeout: options.timeoutMs ?? 5_000,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Tries the upgrade and reports the HTTP status: 101 when the socket opened (it is closed
 * again at once), else the refusal's status (400, 403...).
 */
export async function upgradeStatus(wsUrl: string, options: ConnectOptions = {}): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(buildWsUrl(wsUrl, options), wsOptions(options));
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.resume();
      ws.terminate();
      resolve(status);
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', (err) => reject(err));
  });
}

interface Waiter {
  predicate: (data: any, entry: Received) => boolean;
  resolve: (entry: Received) => void;
}

export class RawClient {
  readonly ws: WebSocket;
  /** Every data message received, in order. */
  readonly received: Received[] = [];
  /** Payload bytes of every data message this client sent (text or binary). */
  bytesSent = 0;
  /** Number of data messages this client sent. */
  messagesSent = 0;
  welcome!: WelcomeParams;
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | undefined;
  private nextId = 1;
  private readonly consumed = new Set<Received>();
  private readonly pending = new Map<string | number, (r: RpcResponse) => void>();
  private waiters: Waiter[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise<CloseInfo>((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
    ws.on('error', () => {
      /* surfaced through `closed` */
    });
    ws.on('message', (raw: WebSocket.RawData, isBinary: boolean) => this.onMessage(raw, isBinary));
  }

  /** Opens a socket and (by default) waits for the welcome, which must be the first frame. */
  static async connect(wsUrl: string, options: ConnectOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(buildWsUrl(wsUrl, options), options.protocols ?? [], wsOptions(options));
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        res.resume();
        ws.terminate();
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    });
    if (options.awaitWelcome ?? true) {
      const first = await client.nextMessage(() => true, options.timeoutMs ?? 5_000);
      if (first.data?.method !== 'session.welcome') {
        throw new Error(`first frame is not session.welcome: ${first.text}`);
      }
      client.welcome = first.data.params as WelcomeParams;
    }
    return client;
  }

  get sessionId(): string {
    return this.welcome.sessionId;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  private onMessage(raw: WebSocket.RawData, isBinary: boolean): void {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
    const text = buf.toString('utf8');
    let data: any;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    const entry: Received = { data, text, binary: isBinary, at: Date.now() };
    this.received.push(entry);
    if (data && !Array.isArray(data) && data.id !== undefined && data.id !== null && !('method' in data)) {
      const resolve = this.pending.get(data.id);
      if (resolve) {
        this.pending.delete(data.id);
        this.consumed.add(entry);
        resolve(data as RpcResponse);
        return;
      }
    }
    for (const waiter of this.waiters) {
      if (waiter.predicate(data, entry)) {
        this.consumed.add(entry);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(entry);
        return;
      }
    }
  }

  /** Sends a data message as is; a Buffer goes as a binary frame unless `binary: false`. */
  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    const binary = options.binary ?? typeof data !== 'string';
    this.bytesSent += typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
    this.messagesSent += 1;
    this.ws.send(data, { binary });
  }

  /** Sends a JSON value (request, notification, batch...) and returns the exact text sent. */
  sendJson(value: unknown): string {
    const text = JSON.stringify(value);
    this.sendRaw(text);
    return text;
  }

  /** Allocates the next request id. */
  newId(): number {
    return this.nextId++;
  }

  /**
   * Sends a request with the next id and resolves with the full response object.
   * `params` undefined means the member is left out.
   */
  async call<R = any>(method: string, params?: unknown, timeoutMs = 5_000): Promise<RpcResponse<R>> {
    return (await this.callWithText<R>(method, params, timeoutMs)).response;
  }

  /** Like `call`, also returning the exact text that was sent. */
  async callWithText<R = any>(method: string, params?: unknown, timeoutMs = 5_000): Promise<{ response: RpcResponse<R>; text: string }> {
    const id = this.newId();
    const request: Record<string, unknown> = { jsonrpc: '2.0', method, id };
    if (params !== undefined) request.params = params;
    return this.request<R>(request, timeoutMs);
  }

  /** Sends a request object as given (it must hold an `id`) and awaits its response. */
  async request<R = any>(request: Record<string, unknown>, timeoutMs = 5_000): Promise<{ response: RpcResponse<R>; text: string }> {
    const id = request.id as string | number;
    const response = new Promise<RpcResponse<R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no response to ${JSON.stringify(request).slice(0, 200)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r as RpcResponse<R>);
      });
    });
    const text = this.sendJson(request);
    return { response: await response, text };
  }

  /** Sends a notification (no `id`). */
  notify(method: string, params?: unknown): string {
    const message: Record<string, unknown> = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    return this.sendJson(message);
  }

  /** Calls and returns `result`, throwing on an error response. */
  async result<R = any>(method: string, params?: unknown, timeoutMs = 5_000): Promise<R> {
    const response = await this.call<R>(method, params, timeoutMs);
    if (response.error) {
      throw new Error(`${method} failed: ${response.error.code} ${response.error.message}`);
    }
    return response.result as R;
  }

  /**
   * The first received message, not yet taken by a call or an earlier `nextMessage`, that
   * matches; waits for one up to `timeoutMs`.
   */
  nextMessage(predicate: (data: any, entry: Received) => boolean = () => true, timeoutMs = 5_000): Promise<Received> {
    for (const entry of this.received) {
      if (!this.consumed.has(entry) && predicate(entry.data, entry)) {
        this.consumed.add(entry);
        return Promise.resolve(entry);
      }
    }
    return new Promise<Received>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (entry) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Messages received and not taken by a call or `nextMessage`. */
  unconsumed(): Received[] {
    return this.received.filter((e) => !this.consumed.has(e));
  }

  /** Sends a ping frame and resolves on its pong. */
  ping(payload: Buffer = Buffer.alloc(0), timeoutMs = 5_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no pong')), timeoutMs);
      this.ws.once('pong', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.ping(payload);
    });
  }

  /** Closes (normal closure) and waits for the close to complete. */
  async close(code = 1000): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(code);
    }
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    }
  }
}

/** Resolves with the close info if the socket closes within `timeoutMs`, else `undefined`. */
export async function closedWithin(client: RawClient, timeoutMs: number): Promise<CloseInfo | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const result = await Promise.race([client.closed, timeout]);
  clearTimeout(timer);
  return result;
}

/** Polls `probe` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5_000,
  intervalMs = 20,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
