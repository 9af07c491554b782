import type { JsonRpcErrorObject, JsonRpcId, WelcomeParams } from '@session-tracker/shared';
import { hasFields, isBoolean, isNumber, isRecord, isString } from './guards.js';

/**
 * Hand-written twins of `outboundMessageSchema` and `welcomeSchema` from
 * `@session-tracker/shared`: same acceptance, no zod at runtime, so the browser bundle
 * stays small (zod with its locales is ~450 KiB minified). A unit test checks they agree.
 */

/** One validated message from the server. */
export type ServerMessage =
  | { kind: 'result'; id: JsonRpcId; result: unknown }
  | { kind: 'error'; id: JsonRpcId; error: JsonRpcErrorObject }
  | { kind: 'notification'; method: string; params: unknown };

export interface ParsedFrame {
  messages: ServerMessage[];
  /** What could not be understood, one line each. */
  problems: string[];
}

/** Parses one text frame (a single message or a batch). Never throws; nothing is trusted before this. */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { messages: [], problems: ['frame is not valid JSON'] };
  }
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const out: ParsedFrame = { messages: [], problems: [] };
  if (items.length === 0) out.problems.push('empty batch');
  for (const item of items) {
    const message = classifyServerMessage(item);
    if (message === null) out.problems.push('message is not a JSON-RPC 2.0 response or notification');
    else out.messages.push(message);
  }
  return out;
}

export function isJsonRpcId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || isNumber(value);
}

/** Mirrors `outboundMessageSchema`: the first of result, error, notification that fits. */
export function classifyServerMessage(item: unknown): ServerMessage | null {
  if (!isRecord(item) || item.jsonrpc !== '2.0') return null;
  const id = item.id;
  if (isJsonRpcId(id) && 'result' in item) return { kind: 'result', id, result: item.result };
  const error = item.error;
  if (isJsonRpcId(id) && hasFields(error, { code: Number.isSafeInteger, message: isString })) {
    const out: JsonRpcErrorObject = { code: error.code as number, message: error.message as string };
    if (error.data !== undefined) out.data = error.data;
    return { kind: 'error', id, error: out };
  }
  const method = item.method;
  if (typeof method === 'string') return { kind: 'notification', method, params: item.params };
  return null;
}

/** Mirrors `welcomeSchema`. */
export function isWelcomeParams(value: unknown): value is WelcomeParams {
  return hasFields(value, {
    sessionId: isString,
    resumeToken: isString,
    resumed: isBoolean,
    heartbeatMs: isNumber,
    serverTime: isNumber,
  });
}
