import type { Logger } from '../logger.js';

/** Lets a handler property accept both DOM and `ws` handler types (method-style bivariance). */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the SDK uses; both the DOM `WebSocket` and `ws` fit it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** Both the DOM `WebSocket` and `ws` fit; the SDK always passes the subprotocols it offers. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;

export interface TransportHandlers {
  open(): void;
  message(text: string): void;
  close(code: number, reason: string): void;
  error(detail: unknown): void;
  /** A frame that is not text. */
  binary(): void;
}

/**
 * One WebSocket, wrapped: after `close()` (or once it closes) none of its events reach
 * the handlers again, so a stale socket can never disturb the next one.
 */
export class Transport {
  private socket: WebSocketLike | null;

  constructor(
    ctor: WebSocketConstructor,
    url: string,
    protocols: string[],
    handlers: TransportHandlers,
    private readonly logger: Logger,
  ) {
    const socket = new ctor(url, protocols);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) handlers.open();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const data = event.data;
      if (typeof data === 'string') handlers.message(data);
      else handlers.binary();
    };
    socket.onerror = (event) => {
      if (this.socket === socket) handlers.error(event);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.detach(socket);
      handlers.close(typeof event.code === 'number' ? event.code : 1006, typeof event.reason === 'string' ? event.reason : '');
    };
  }

  get isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  /** Sends a text frame; false when the socket is not open. */
  send(text: string): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    try {
      socket.send(text);
      return true;
    } catch (err) {
      this.logger.warn('session-tracker: send failed', err);
      return false;
    }
  }

  /** Closes the socket without reporting the close to the handlers. */
  close(code = 1000, reason = ''): void {
    const socket = this.socket;
    if (socket === null) return;
    this.detach(socket);
    try {
      socket.close(code, reason);
    } catch (err) {
      this.logger.debug('session-tracker: socket close threw', err);
    }
  }

  private detach(socket: WebSocketLike): void {
    this.socket = null;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // Keep a no-op error handler: `ws` throws on an 'error' event nobody listens to,
    // which closing a still-connecting socket produces.
    socket.onerror = () => undefined;
  }
}
