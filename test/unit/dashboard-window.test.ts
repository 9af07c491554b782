/**
 * Admin dashboard: the live table's window onto the server's sorted list (window.ts): which
 * rows are in view, which to ask for, which a page holds, where keys move, how a sort and
 * an exact filter are written for the server; and the listed rows made whole.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SORT_KEYS, nextSort } from '../../server/dashboard/src/model.js';
import {
  SERVER_SORT_FIELDS,
  WINDOW_FIELDS,
  asSessionInfo,
  covers,
  exactPattern,
  fetchRange,
  keyTarget,
  rowsIn,
  scrollFor,
  serverSort,
  visibleRange,
  widen,
} from '../../server/dashboard/src/window.js';

describe('the rows in view', () => {
  it('counts from below the caption and header, whole rows and the one cut at each edge', () => {
    // 100 px above the rows, 32 px rows, a 320 px viewport.
    expect(visibleRange(0, 320, 100, 32, 1_000)).toEqual({ start: 0, end: 7 });
    expect(visibleRange(100, 320, 100, 32, 1_000)).toEqual({ start: 0, end: 10 });
    expect(visibleRange(116, 320, 100, 32, 1_000)).toEqual({ start: 0, end: 11 });
    expect(visibleRange(132, 320, 100, 32, 1_000)).toEqual({ start: 1, end: 11 });
  });

  it('never runs past the rows there are', () => {
    expect(visibleRange(0, 320, 100, 32, 3)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(50_000, 320, 100, 32, 3)).toEqual({ start: 3, end: 3 });
    expect(visibleRange(0, 320, 100, 32, 0)).toEqual({ start: 0, end: 0 });
    // Before the first answer the total is unknown: as many as fit.
    expect(visibleRange(0, 320, 100, 32, Infinity)).toEqual({ start: 0, end: 7 });
  });

  it('widens by a margin within the list', () => {
    expect(widen({ start: 3, end: 10 }, 8, 1_000)).toEqual({ start: 0, end: 18 });
    expect(widen({ start: 995, end: 1_000 }, 8, 1_000)).toEqual({ start: 987, end: 1_000 });
  });
});

describe('the window asked for', () => {
  it('is the rows in view and a margin each side, at most the limit', () => {
    expect(fetchRange({ start: 0, end: 25 }, 60, 500)).toEqual({ offset: 0, limit: 85 });
    expect(fetchRange({ start: 1_000, end: 1_025 }, 60, 500)).toEqual({ offset: 940, limit: 145 });
    expect(fetchRange({ start: 0, end: 2_000 }, 60, 500)).toEqual({ offset: 0, limit: 500 });
    expect(fetchRange({ start: 0, end: 0 }, 0, 500)).toEqual({ offset: 0, limit: 1 });
  });

  it('holds the rows in view after any scroll, so nothing drawn comes from elsewhere', () => {
    fc.assert(
      fc.property(fc.nat(50_000), fc.nat(20_000), fc.integer({ min: 1, max: 3_000 }), (total, scrollRows, viewport) => {
        const rowHeight = 32;
        const visible = visibleRange(scrollRows * rowHeight, viewport, 60, rowHeight, total);
        const { offset, limit } = fetchRange(visible, 60, 10_000);
        const page = { offset, entries: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i), total };
        expect(covers(page, visible)).toBe(true);
        // And what the table draws of it is each row at its own index.
        for (const { index, item } of rowsIn(page, widen(visible, 8, total))) expect(item).toBe(index);
      }),
      { numRuns: 300 },
    );
  });

  it('says when a page does not hold the rows in view (a request is due at once)', () => {
    const page = { offset: 100, entries: new Array(50).fill(0), total: 1_000 };
    expect(covers(page, { start: 100, end: 150 })).toBe(true);
    expect(covers(page, { start: 120, end: 140 })).toBe(true);
    expect(covers(page, { start: 90, end: 120 })).toBe(false);
    expect(covers(page, { start: 140, end: 160 })).toBe(false);
    expect(covers(null, { start: 0, end: 1 })).toBe(false);
    expect(covers(null, { start: 0, end: 0 })).toBe(false);
    expect(covers(page, { start: 5, end: 5 })).toBe(true);
    // The end of the list: a short last page holds everything up to the total.
    expect(covers({ offset: 990, entries: new Array(10).fill(0), total: 1_000 }, { start: 990, end: 1_000 })).toBe(true);
  });

  it('takes the rows of a page that fall in a range, with their indexes', () => {
    const page = { offset: 10, entries: ['a', 'b', 'c', 'd'], total: 100 };
    expect(rowsIn(page, { start: 0, end: 12 })).toEqual([
      { index: 10, item: 'a' },
      { index: 11, item: 'b' },
    ]);
    expect(rowsIn(page, { start: 12, end: 50 })).toEqual([
      { index: 12, item: 'c' },
      { index: 13, item: 'd' },
    ]);
    expect(rowsIn(page, { start: 20, end: 30 })).toEqual([]);
    expect(rowsIn(null, { start: 0, end: 30 })).toEqual([]);
  });
});

describe('keys and scrolling', () => {
  it('moves by one, by a page, to either end, within the list', () => {
    expect(keyTarget('ArrowDown', 4, 10, 5)).toBe(5);
    expect(keyTarget('ArrowDown', 9, 10, 5)).toBe(9);
    expect(keyTarget('ArrowUp', 0, 10, 5)).toBe(0);
    expect(keyTarget('PageDown', 7, 10, 5)).toBe(9);
    expect(keyTarget('PageUp', 7, 10, 5)).toBe(2);
    expect(keyTarget('Home', 7, 10, 5)).toBe(0);
    expect(keyTarget('End', 0, 20_000, 5)).toBe(19_999);
    expect(keyTarget('x', 0, 10, 5)).toBeNull();
    expect(keyTarget('End', 0, 0, 5)).toBeNull();
  });

  it('scrolls just enough to show a row below the sticky header', () => {
    // Rows start 100 px down; 32 px rows; a 320 px viewport; a 34 px sticky header.
    expect(scrollFor(3, 0, 320, 100, 32, 34)).toBe(0); // in view
    expect(scrollFor(20, 0, 320, 100, 32, 34)).toBe(100 + 21 * 32 - 320);
    expect(scrollFor(2, 1_000, 320, 100, 32, 34)).toBe(100 + 2 * 32 - 34);
    expect(scrollFor(0, 10, 320, 100, 32, 34)).toBe(10); // the first row, under the caption: in view
  });
});

describe('what the server is asked', () => {
  it('sorts every sortable column by its SessionInfo field, "-" for descending', () => {
    expect(serverSort({ key: 'bytes', direction: 'descending' })).toBe('-totalBytesSent');
    expect(serverSort({ key: 'lastComm', direction: 'ascending' })).toBe('lastComm');
    expect(serverSort({ key: 'scope', direction: 'ascending' })).toBe('sessionScope');
    expect(serverSort({ key: 'uptime', direction: 'descending' })).toBe('-uptime');
    // The first click on each column asks for a field the server sorts by.
    for (const key of SORT_KEYS) {
      const field = SERVER_SORT_FIELDS[key];
      if (field === null) continue;
      const sort = serverSort(nextSort({ key: 'username', direction: 'ascending' }, key));
      expect(sort.replace(/^-/, '')).toBe(field);
    }
    // The node (cluster mode) is not a SessionInfo field.
    expect(SERVER_SORT_FIELDS.node).toBeNull();
  });

  it('asks for the columns and the details, not the per-method traffic', () => {
    expect(WINDOW_FIELDS).toEqual(expect.arrayContaining(['username', 'totalBytesSent', 'lastComm', 'uptime', 'state', 'pages', 'device']));
    expect(WINDOW_FIELDS).not.toContain('traffic');
  });

  it('an exact pattern matches its text and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (text, other) => {
        const re = new RegExp(`^(?:${exactPattern(text)})$`);
        expect(re.test(text)).toBe(true);
        if (other !== text) expect(re.test(other)).toBe(false);
      }),
      { numRuns: 500 },
    );
    expect(exactPattern('a.b*(c)')).toBe('a\\.b\\*\\(c\\)');
  });

  it('a listed session missing a field gets a neutral value, never undefined', () => {
    const s = asSessionInfo({ id: 'x', username: 'billy', totalBytesSent: 12 });
    expect(s).toMatchObject({ id: 'x', username: 'billy', totalBytesSent: 12, pages: [], roles: [], activePages: 0 });
    expect(asSessionInfo({ id: 'y', state: 'disconnected' }).state).toBe('disconnected');
  });
});
