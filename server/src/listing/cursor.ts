import type { Order, Position } from './order.js';

/**
 * `sessions.list` cursors: opaque to clients, but checked on the way in. One holds a version
 * tag, the order it was made for, and the last row's position (sort value and id). The next page
 * is everything strictly after that position, so a session added or removed between pages moves
 * nothing else: keyset paging, not offsets.
 */

const TAG = 'sl1';
/** Ids are at most this long anywhere in the protocol. */
const ID_MAX = 128;

export class CursorError extends Error {}

export function encodeCursor(order: Order, last: Position): string {
  return Buffer.from(JSON.stringify([TAG, order.text, last.key, last.id]), 'utf8').toString('base64url');
}

/** The position a cursor names, or a CursorError saying why it is not one for this order. */
export function decodeCursor(order: Order, cursor: string): Position {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor: not a cursor sessions.list returned (pass the `next` of the previous page as it came)');
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== TAG) {
    throw new CursorError('cursor: not a cursor sessions.list returned (pass the `next` of the previous page as it came)');
  }
  const [, sort, key, id] = value as [unknown, unknown, unknown, unknown];
  if (sort !== order.text) {
    const made = typeof sort === 'string' ? `"${sort.slice(0, 70)}"` : 'another order';
    throw new CursorError(
      `cursor: made for sort ${made}, but this call sorts by "${order.text}"; keep the sort while paging, or start again without a cursor`,
    );
  }
  const keyOk = order.kind === 'number' ? typeof key === 'number' && Number.isFinite(key) : typeof key === 'string';
  if (!keyOk || typeof id !== 'string' || id.length === 0 || id.length > ID_MAX) {
    throw new CursorError('cursor: damaged (its position does not fit the sort); start again without a cursor');
  }
  return { key: key as number | string, id };
}
