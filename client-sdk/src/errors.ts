/**
 * Errors the SDK rejects with. Two kinds:
 * - `ClientError`: raised by the SDK itself, with a string `code`
 *   (`DISCONNECTED`, `TIMEOUT`, `CLOSED`, ...).
 * - `RpcError`: the server answered a call with a JSON-RPC error; it carries the
 *   numeric `code` (see `ErrorCode` in `@session-tracker/shared`), `message` and `data`.
 */

export type ClientErrorCode =
  /** The connection dropped (or `disconnect()` was called) before the call was answered. */
  | 'DISCONNECTED'
  /** No answer within the call timeout, or `ready()` timed out. */
  | 'TIMEOUT'
  /** The client was closed with `close()`; it accepts no more calls. */
  | 'CLOSED'
  /** Too many calls queued while not connected. */
  | 'QUEUE_FULL'
  /** The server's answer did not have the shape the contract promises. */
  | 'INVALID_RESPONSE'
  /** A frame from the server could not be understood (reported on the `error` event). */
  | 'PROTOCOL_ERROR'
  /** The WebSocket reported an error or could not be created (reported on the `error` event). */
  | 'TRANSPORT_ERROR'
  /** The operation needs a browser environment that is not there. */
  | 'NOT_SUPPORTED';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  readonly data: unknown;

  constructor(code: ClientErrorCode, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** The JSON-RPC error code, e.g. -32003 (forbidden) or -32004 (not found). */
  readonly code: number;
  readonly data: unknown;
  /** The method of the call that failed, or `null` for an unsolicited error. */
  readonly method: string | null;

  constructor(code: number, message: string, data: unknown, method: string | null) {
    super(message);
    this.code = code;
    this.data = data;
    this.method = method;
  }
}

export function isClientError(value: unknown, code?: ClientErrorCode): value is ClientError {
  return value instanceof ClientError && (code === undefined || value.code === code);
}

export function isRpcError(value: unknown, code?: number): value is RpcError {
  return value instanceof RpcError && (code === undefined || value.code === code);
}
