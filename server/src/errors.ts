import { ErrorCode } from '@session-tracker/shared';

/** A JSON-RPC error a handler throws on purpose: its code and message go to the client as they are. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidParams = (message: string): RpcError => new RpcError(ErrorCode.InvalidParams, message);
export const notFound = (message: string): RpcError => new RpcError(ErrorCode.NotFound, message);
