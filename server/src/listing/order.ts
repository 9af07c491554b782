import { IMMUTABLE_SORT_FIELDS, SORT_FIELDS, type SortField } from '@session-tracker/shared';

/**
 * How a `sessions.list` is ordered: one field, ascending or descending, ties broken by id in
 * the same direction (so `-id` is exactly `id` reversed). Pure: no sessions, no sockets.
 */

/** A sort value: numbers compare as numbers, strings by UTF-16 code unit (never by locale). */
export type SortKey = number | string;

/** One row's place in an order: its sort value and its id. */
export interface Position {
  key: SortKey;
  id: string;
}

export interface Order {
  /** As the caller wrote it, e.g. `-creationTime`: a cursor is tied to it. */
  readonly text: string;
  readonly field: SortField;
  readonly desc: boolean;
  /** Sort values never change: keyset pages neither repeat nor skip (see shared/list.ts). */
  readonly immutable: boolean;
  /** Whether the field's sort value is a number or a string (a cursor's key is checked against it). */
  readonly kind: 'number' | 'string';
}

/** Fields whose sort value is a string; every other sortable field sorts by a number. */
const STRING_FIELDS: ReadonlySet<SortField> = new Set<SortField>([
  'id',
  'userAgent',
  'username',
  'project',
  'clientAddress',
  'sessionScope',
  'state',
]);
const SORTABLE: ReadonlySet<string> = new Set<string>(SORT_FIELDS);
const IMMUTABLE: ReadonlySet<string> = new Set<string>(IMMUTABLE_SORT_FIELDS);

export class OrderError extends Error {}

/** Reads `sort` ("field" or "-field"; default `id`); an unknown or unsortable name is an OrderError naming it. */
export function parseOrder(sort: string | undefined): Order {
  const text = sort ?? 'id';
  const desc = text.startsWith('-');
  const field = desc ? text.slice(1) : text;
  if (!SORTABLE.has(field)) {
    const why = /^[A-Za-z]+$/.test(field)
      ? `"${field}" is not a field that can be sorted by`
      : `"${text.slice(0, 70)}" is not a field name`;
    throw new OrderError(`sort: ${why}; one of ${SORT_FIELDS.join(', ')}, with "-" before it for descending`);
  }
  const f = field as SortField;
  return { text, field: f, desc, immutable: IMMUTABLE.has(f), kind: STRING_FIELDS.has(f) ? 'string' : 'number' };
}

export function compareKeys(a: SortKey, b: SortKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ascending (key, id). */
export function compareAsc(ak: SortKey, aid: string, bk: SortKey, bid: string): number {
  return ak < bk ? -1 : ak > bk ? 1 : aid < bid ? -1 : aid > bid ? 1 : 0;
}

/** In the order's direction: negative when (ak, aid) comes first. */
export function compareIn(order: Order, ak: SortKey, aid: string, bk: SortKey, bid: string): number {
  const c = compareAsc(ak, aid, bk, bid);
  return order.desc ? -c : c;
}
