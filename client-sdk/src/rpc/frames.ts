import { classifyServerMessage, type ServerMessage } from '@session-tracker/shared';

export type { ServerMessage } from '@session-tracker/shared';

export interface ParsedFrame {
  messages: ServerMessage[];
  /** What could not be understood, one line each. */
  problems: string[];
}

/**
 * Parses one text frame (a single message or a batch). Never throws; nothing is trusted before
 * this. Each message is checked by the contract's own check (`classifyServerMessage` from
 * `@session-tracker/shared`, zod-free so the browser bundle stays small).
 */
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
