import { z } from 'zod';
import { ErrorCode } from './codes.js';

/** JSON-RPC 2.0 envelopes (https://www.jsonrpc.org/specification). */
export type JsonRpcId = string | number | null;

export interface JsonRpcRequest<P = unknown> {
  jsonrpc: '2.0';
  method: string;
  params?: P;
  id: JsonRpcId;
}

export interface JsonRpcNotification<P = unknown> {
  jsonrpc: '2.0';
  method: string;
  params?: P;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcSuccess<R = unknown> {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: R;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse<R = unknown> = JsonRpcSuccess<R> | JsonRpcFailure;

/** 1.1: params nested deeper than this many levels (params itself is level 1) get -32602. */
export const MAX_PARAMS_DEPTH = 32;

/**
 * Whether a parsed JSON value nests objects or arrays deeper than `max` levels (the value itself,
 * when an object or array, is level 1). Iterative with an explicit stack, so a 30,000-deep value
 * cannot overflow the call stack while it is being measured; it stops at the first level too deep.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max < 1) return true;
  // Flat params (the per-message case: page.update and the like) need no stack at all.
  if (!hasContainer(value)) return false;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop() as object;
    const depth = depths.pop() as number;
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (typeof child !== 'object' || child === null) continue;
      if (depth >= max) return true;
      stack.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

function hasContainer(value: object): boolean {
  if (Array.isArray(value)) {
    for (const c of value as unknown[]) if (typeof c === 'object' && c !== null) return true;
    return false;
  }
  for (const k in value) {
    const c = (value as Record<string, unknown>)[k];
    if (typeof c === 'object' && c !== null) return true;
  }
  return false;
}

export const idSchema = z.union([z.string(), z.number(), z.null()]);
const paramsSchema = z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/** A request or notification as a client sends it. */
export const inboundCallSchema = z.object({
  jsonrpc: z.literal('2.0'),
  method: z.string(),
  params: paramsSchema.optional(),
  id: idSchema.optional(),
});

/** One entry of an inbound message, classified. */
export type InboundCall =
  | { kind: 'request'; method: string; params: unknown; id: JsonRpcId }
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'invalid'; id: JsonRpcId; message: string };

function detectId(value: unknown): JsonRpcId {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const parsed = idSchema.safeParse(value.id);
  return parsed.success ? parsed.data : null;
}

/** Tells whether a value is a well-formed call envelope: `inboundCallSchema`, or a compiled twin of it. */
export type EnvelopeCheck = (value: unknown) => boolean;

const zodEnvelope: EnvelopeCheck = (value) => inboundCallSchema.safeParse(value).success;

/** Classifies one parsed (untrusted) JSON value that should be a request or notification. */
export function classifyCall(value: unknown, isEnvelope: EnvelopeCheck = zodEnvelope): InboundCall {
  if (!isEnvelope(value)) {
    return { kind: 'invalid', id: detectId(value), message: describeEnvelopeError(value) };
  }
  const call = value as { method: string; params?: unknown; id?: JsonRpcId };
  // `id` absent means notification; `id: null` is a (discouraged) request.
  if ('id' in call) return { kind: 'request', method: call.method, params: call.params, id: call.id ?? null };
  return { kind: 'notification', method: call.method, params: call.params };
}

function describeEnvelopeError(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'Invalid Request: expected a JSON-RPC 2.0 request object';
  }
  const v = value as Record<string, unknown>;
  if (v.jsonrpc !== '2.0') return 'Invalid Request: "jsonrpc" must be "2.0"';
  if (typeof v.method !== 'string') return 'Invalid Request: "method" must be a string';
  if ('params' in v && (typeof v.params !== 'object' || v.params === null)) {
    return 'Invalid Request: "params" must be an array or an object';
  }
  if ('id' in v) return 'Invalid Request: "id" must be a string, a number or null';
  return 'Invalid Request';
}

/** An inbound text message: one call or a batch, or a parse failure. */
export type InboundMessage =
  | { kind: 'single'; call: InboundCall }
  | { kind: 'batch'; calls: InboundCall[] }
  | { kind: 'empty-batch' }
  | { kind: 'parse-error'; message: string };

/** Parses and classifies one text frame. Never throws. */
export function parseInbound(text: string, isEnvelope: EnvelopeCheck = zodEnvelope): InboundMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'parse-error', message: describeJsonError(err) };
  }
  return classifyInbound(value, isEnvelope);
}

/** V8's JSON.parse reasons, reworded; anything else is told as "unexpected character". */
const JSON_REASONS: [RegExp, string][] = [
  [
    /^Bad escaped character/,
    'a backslash in a JSON string must start an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX); a regular expression such as bill\\.smith is written "bill\\\\.smith" in JSON',
  ],
  [/^Bad control character/, 'a control character (a raw newline or tab, say) inside a string: write it as \\n, \\t or \\uXXXX'],
  [/^Unterminated string/, 'a string is not closed'],
  [/^Unexpected end of JSON input/, 'the text ends before the JSON value does'],
  [/^Expected double-quoted property name/, 'expected a double-quoted name (a trailing comma?)'],
  [/^Expected property name or '}'/, "expected a double-quoted name or '}'"],
  [/^Expected ',' or '}'/, "expected ',' or '}' after a value"],
  [/^Expected ',' or ']'/, "expected ',' or ']' after an array element"],
  [/^Expected ':'/, "expected ':' after a name"],
  [/^Unexpected non-whitespace character after JSON/, 'more text after the JSON value'],
  [/^Unexpected number/, 'a number where none may be (leading zeros are not JSON)'],
  [/^Unexpected string/, 'a string where none may be'],
];

/**
 * Why a frame is not JSON, with where, for the person fixing it. Built only from V8's reason and
 * position: V8 may quote the text itself, and a frame can hold a token, so none of it is echoed.
 */
export function describeJsonError(err: unknown): string {
  const text = err instanceof Error ? err.message : '';
  const at = /at position (\d+)/.exec(text);
  const where = at ? ` at position ${at[1]}` : '';
  const reason = JSON_REASONS.find(([re]) => re.test(text))?.[1] ?? 'unexpected character (not JSON: names and strings need double quotes)';
  return `Parse error: invalid JSON${where}: ${reason}`;
}

export function classifyInbound(value: unknown, isEnvelope: EnvelopeCheck = zodEnvelope): InboundMessage {
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'empty-batch' };
    return { kind: 'batch', calls: value.map((v) => classifyCall(v, isEnvelope)) };
  }
  return { kind: 'single', call: classifyCall(value, isEnvelope) };
}

export function success<R>(id: JsonRpcId, result: R): JsonRpcSuccess<R> {
  return { jsonrpc: '2.0', id, result };
}

export function failure(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcFailure {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}

export function notification<P>(method: string, params: P): JsonRpcNotification<P> {
  return { jsonrpc: '2.0', method, params };
}

export const parseErrorResponse = (message = 'Parse error'): JsonRpcFailure => failure(null, ErrorCode.ParseError, message);
