// One client per server kind, all speaking the wire protocol directly over `ws`
// so the load costs the same whatever the server:
//   st   session-tracker: JSON-RPC 2.0 text frames, first frame session.welcome
//   bare the floor: the same JSON-RPC frames, nothing ever answered
//   sio  Socket.IO 4: engine.io v4 + socket.io packets ("40", "42[...]", acks "43")
// A raw engine.io client instead of socket.io-client keeps client CPU equal
// across servers; the bytes on the wire are the ones socket.io-client sends.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

let nextRequestId = 1;

/** Opens the session-level URL for a kind (project and scope go in the query). */
export function sessionUrl(wsUrl, project = 'bench') {
  const u = new URL(wsUrl);
  u.searchParams.set('project', project);
  return u.toString();
}

/** The text a kind puts on the wire for a method call (id: request, none: notification). */
export function encode(kind, method, params, id) {
  if (kind === 'sio') return `42${id ?? ''}${JSON.stringify([method, params])}`;
  const msg = { jsonrpc: '2.0', method, params };
  if (id !== undefined) msg.id = id;
  return JSON.stringify(msg);
}

/**
 * `count` copies of one client-to-server text frame, masked as RFC 6455 requires
 * (one random non-zero key, so the server really unmasks), in one buffer that a
 * flood writes straight to the socket.
 */
export function maskedFrames(text, count) {
  const payload = Buffer.from(text);
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const frame = Buffer.alloc(2 + ext + 4 + len);
  frame[0] = 0x81; // FIN + text
  if (ext === 0) frame[1] = 0x80 | len;
  else if (ext === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  let key;
  do key = randomBytes(4);
  while ((key[0] | key[1] | key[2] | key[3]) === 0);
  key.copy(frame, 2 + ext);
  for (let i = 0; i < len; i++) frame[6 + ext + i] = payload[i] ^ key[i & 3];
  return { buffer: Buffer.concat(Array(count).fill(frame)), frameBytes: frame.length, payloadBytes: len };
}

/** One bench session (one socket). Methods reject on timeout; nothing waits forever. */
export class BenchClient {
  constructor(kind, url, { localAddress, userAgent = 'session-tracker-bench/1.0', maxPayload } = {}) {
    this.kind = kind;
    this.url = url;
    this.localAddress = localAddress;
    this.userAgent = userAgent;
    this.maxPayload = maxPayload;
    this.ws = null;
    this.pending = new Map(); // id -> {resolve, reject, timer, sentAt}
    this.closed = false;
    /** session-tracker: the session.welcome params (sessionId, resumeToken, resumed). */
    this.welcome = undefined;
    /** The close code once the socket has closed. */
    this.closeCode = undefined;
    /** Optional: called with every parsed JSON-RPC message that answers no pending request (notifications, id:null errors). */
    this.onUnsolicited = undefined;
  }

  /** Connects and completes the kind's handshake; resolves once the session exists. */
  open(timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, {
        perMessageDeflate: false,
        localAddress: this.localAddress,
        headers: { 'user-agent': this.userAgent },
        handshakeTimeout: timeoutMs,
        maxPayload: this.maxPayload ?? 64 * 1024 * 1024,
      });
      this.ws = ws;
      let settled = false;
      const done = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve(this);
      };
      const timer = setTimeout(() => done(new Error('open timeout')), timeoutMs);
      ws.on('error', (err) => done(err));
      ws.on('close', (code) => {
        this.closed = true;
        this.closeCode = code;
        done(new Error(`closed during open (${code})`));
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error(`socket closed (${code})`));
        }
        this.pending.clear();
      });
      ws.on('message', (data) => this.onMessage(data, done));
      // The floor says nothing on connect: the session is up when the socket is.
      if (this.kind === 'bare') ws.on('open', () => done());
    });
  }

  onMessage(data, opened) {
    const at = performance.now();
    const text = data.toString();
    if (this.kind === 'sio') {
      if (text === '2') return this.ws.send('3'); // engine.io ping -> pong
      if (text.startsWith('0')) return this.ws.send('40'); // engine.io open -> socket.io connect
      if (text.startsWith('40')) return opened();
      if (text.startsWith('44')) return opened(new Error(`socket.io connect_error ${text}`));
      if (text.startsWith('43')) {
        const m = /^43(\d+)/.exec(text);
        const id = Number(m?.[1]);
        const p = this.pending.get(id);
        if (!p) return;
        const [result] = JSON.parse(text.slice(m[0].length));
        this.settle(id, p, at, text.length, result?.error ? { error: result.error } : { result });
      }
      return;
    }
    const msg = JSON.parse(text);
    if (msg.method === 'session.welcome') {
      this.welcome = msg.params;
      return opened();
    }
    if (msg.id === undefined || msg.id === null) return this.onUnsolicited?.(msg);
    const p = this.pending.get(msg.id);
    if (p) this.settle(msg.id, p, at, text.length, msg.error ? { error: msg.error } : { result: msg.result });
    else this.onUnsolicited?.(msg);
  }

  settle(id, p, at, bytes, body) {
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve({ ...body, ms: at - p.sentAt, bytes });
  }

  /**
   * Sends a request and resolves with {result|error, ms, bytes}. The floor never
   * answers, so for `bare` it resolves as soon as the frame is handed to the socket.
   */
  request(method, params, timeoutMs = 30_000) {
    if (this.closed) return Promise.reject(new Error('socket closed'));
    const id = nextRequestId++;
    if (this.kind === 'bare') {
      this.ws.send(encode('st', method, params, id));
      return Promise.resolve({ result: null, ms: NaN, bytes: 0 });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timeout`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, sentAt: performance.now() });
      this.ws.send(encode(this.kind, method, params, id));
    });
  }

  /** The raw TCP socket, for floods of pre-built frames (ws's own sender is idle then). */
  get socket() {
    return this.ws?._socket;
  }
}
