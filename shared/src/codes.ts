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
