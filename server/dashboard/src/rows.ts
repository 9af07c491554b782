/**
 * The table's rows: the header, and one row per session: its elements and what they show. A cell is written only when
 * its text, title or state class changed; each value sits in a contained box (`.cell`),
 * so writing it does not relay out the rest of the table.
 */
import { COLUMNS, type CellContext, type Column } from './columns.js';
import { h } from './dom.js';
import type { Entry, SortKey } from './model.js';
import { SERVER_SORT_FIELDS } from './window.js';

export interface Row {
  id: string;
  tr: HTMLTableRowElement;
  cells: HTMLTableCellElement[];
  texts: Text[];
  /** The contained box inside each cell (holds the text, and the badge in the first). */
  boxes: HTMLElement[];
  shown: string[];
  titles: string[];
  variants: string[];
  badge: HTMLElement | null;
  entry: Entry;
}

/** Column indexes of the clocks (uptime, last comm). */
export const TICKING = COLUMNS.map((c, i) => (c.ticks ? i : -1)).filter((i) => i >= 0);
/** Column indexes that change when the view turns stale or live again (the clocks stop or go on). */
export const STALE_AWARE = COLUMNS.map((c, i) => (c.ticks || c.staleAware ? i : -1)).filter((i) => i >= 0);

/** The header row; each column's header cell is put in `headers`. */
export function createHeaderRow(headers: Map<SortKey, HTMLTableCellElement>): HTMLTableRowElement {
  const headRow = h('tr');
  for (const col of COLUMNS) {
    // A column the server cannot sort by (the cluster's node) has a plain header.
    const label =
      SERVER_SORT_FIELDS[col.key] === null
        ? col.label
        : h(
            'button',
            { type: 'button', class: 'sort-btn', 'data-sort': col.key },
            col.label,
            h('span', { class: 'sort-icon', 'aria-hidden': 'true' }),
          );
    const th = h('th', { scope: 'col', class: col.cls }, label);
    headers.set(col.key, th);
    headRow.append(th);
  }
  return headRow;
}

export function createRow(entry: Entry, ctx: CellContext): Row {
  const tr = h('tr', { 'data-session-id': entry.info.id, tabindex: -1 });
  const row: Row = { id: entry.info.id, tr, cells: [], texts: [], boxes: [], shown: [], titles: [], variants: [], badge: null, entry };
  COLUMNS.forEach((col, i) => {
    const cell = i === 0 ? h('th', { scope: 'row', class: col.cls }) : h('td', { class: col.cls });
    const text = document.createTextNode('');
    const box = h('span', { class: 'cell' }, text);
    cell.append(box);
    tr.append(cell);
    row.cells.push(cell);
    row.texts.push(text);
    row.boxes.push(box);
    row.shown.push('');
    row.titles.push('');
    row.variants.push('');
    renderCell(row, i, ctx);
  });
  return row;
}

/** Draws `row` for another session (a row that scrolled out of view, reused): only changed cells are written. */
export function rebind(row: Row, entry: Entry, ctx: CellContext): void {
  row.id = entry.info.id;
  row.tr.setAttribute('data-session-id', row.id);
  row.entry = entry;
  renderCells(row, ctx);
}

export function renderCells(row: Row, ctx: CellContext, columns: readonly number[] | null = null): void {
  if (columns === null) for (let i = 0; i < COLUMNS.length; i++) renderCell(row, i, ctx);
  else for (const i of columns) renderCell(row, i, ctx);
}

export function renderCell(row: Row, i: number, ctx: CellContext): void {
  const col = COLUMNS[i] as Column;
  const text = col.text(row.entry, ctx);
  if (row.shown[i] !== text) {
    row.shown[i] = text;
    (row.texts[i] as Text).data = text;
  }
  const cell = row.cells[i] as HTMLTableCellElement;
  if (col.title) {
    const title = col.title(row.entry, ctx);
    if (row.titles[i] !== title) {
      row.titles[i] = title;
      if (title === '') cell.removeAttribute('title');
      else cell.title = title;
    }
  }
  if (col.variant) {
    const variant = col.variant(row.entry, ctx);
    if (row.variants[i] !== variant) {
      if (row.variants[i]) cell.classList.remove(row.variants[i] as string);
      if (variant) cell.classList.add(variant);
      row.variants[i] = variant;
    }
  }
}

/** Shows or hides the "this dashboard" badge after the username. */
export function setBadge(row: Row, on: boolean): void {
  if (on && row.badge === null) {
    row.badge = h('span', { class: 'badge' }, 'this dashboard');
    (row.boxes[0] as HTMLElement).append(' ', row.badge);
  } else if (!on && row.badge !== null) {
    row.badge.previousSibling?.remove();
    row.badge.remove();
    row.badge = null;
  }
}

export function setSelected(row: Row, on: boolean): void {
  row.tr.classList.toggle('is-selected', on);
  if (on) row.tr.setAttribute('aria-current', 'true');
  else row.tr.removeAttribute('aria-current');
}
