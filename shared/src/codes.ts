/** JSON-RPC 2.0 error codes, and ours in the server-defined range. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** Bad or expired token (`auth.login`). */
  BadToken: -32001,
  /** The caller is not allowed (admin methods for non-admins). */
  Forbidden: -32003,
  /** No such page or session. */
  NotFound: -32004,
  /** Over a rate or size limit. */
  RateLimited: -32029,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** JSON-RPC 2.0's range for server-defined errors (ours above are in it; an app's handlers may use the rest). */
export const SERVER_ERROR_RANGE = { min: -32099, max: -32000 } as const;

export function isServerErrorCode(code: number): boolean {
  return Number.isInteger(code) && code >= SERVER_ERROR_RANGE.min && code <= SERVER_ERROR_RANGE.max;
}

/** WebSocket close codes the server uses. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  InvalidPayload: 1007,
  Policy: 1008,
  TooBig: 1009,
  TerminatedByAdmin: 4000,
  /** 1.1: the client reads too slowly (unsent data past the limit); it may reconnect. */
  SlowReader: 4001,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
