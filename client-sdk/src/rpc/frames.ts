import { outboundMessageSchema, type JsonRpcErrorObject, type JsonRpcId } from '@session-tracker/shared';

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
    const message = classify(item);
    if (typeof message === 'string') out.problems.push(message);
    else out.messages.push(message);
  }
  return out;
}

function classify(item: unknown): ServerMessage | string {
  const parsed = outboundMessageSchema.safeParse(item);
  if (!parsed.success) return 'message is not a JSON-RPC 2.0 response or notification';
  const data = parsed.data;
  if ('error' in data) return { kind: 'error', id: data.id, error: data.error };
  if ('method' in data) return { kind: 'notification', method: data.method, params: data.params };
  if ('result' in data) return { kind: 'result', id: data.id, result: data.result };
  return 'message has neither result, error nor method';
}
