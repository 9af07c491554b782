/** Admin dashboard, History view: views in the hash, time windows, error fields, event details. */
import { describe, expect, it } from 'vitest';
import {
  describeDetail,
  endReasonText,
  hashOf,
  historyErrorField,
  parseLocal,
  toLocalInput,
  viewFromHash,
  windowParams,
  type WindowInput,
} from '../../server/dashboard/src/history-model.js';

const HOUR = 3_600_000;
const win = (w: Partial<WindowInput>): WindowInput => ({ preset: '24h', from: '', to: '', at: '', ...w });

describe('dashboard history: views in the URL hash', () => {
  it('reads the view a hash names, and the live view for anything else', () => {
    expect(viewFromHash('#history')).toBe('history');
    expect(viewFromHash('#events')).toBe('events');
    expect(viewFromHash('history')).toBe('history');
    expect(viewFromHash('#history/whatever')).toBe('history');
    expect(viewFromHash('')).toBe('sessions');
    expect(viewFromHash('#sessions')).toBe('sessions');
    expect(viewFromHash('#HISTORY')).toBe('sessions');
    expect(viewFromHash('#sessions-table')).toBe('sessions');
  });

  it('writes a hash that reads back as the same view', () => {
    for (const v of ['sessions', 'history', 'events'] as const) expect(viewFromHash(hashOf(v))).toBe(v);
  });
});

describe('dashboard history: time windows', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);

  it('presets end now', () => {
    expect(windowParams(win({ preset: '1h' }), now)).toEqual({ ok: true, from: now - HOUR });
    expect(windowParams(win({ preset: '24h' }), now)).toEqual({ ok: true, from: now - 24 * HOUR });
    expect(windowParams(win({ preset: '7d' }), now)).toEqual({ ok: true, from: now - 7 * 24 * HOUR });
  });

  it('"connected at T" is from = to = T', () => {
    const t = new Date(2026, 10, 30, 3, 0, 0).getTime();
    expect(windowParams(win({ preset: 'at', at: '2026-11-30T03:00' }), now)).toEqual({ ok: true, from: t, to: t });
    expect(windowParams(win({ preset: 'at', at: '' }), now)).toEqual({ ok: false, field: 'at', message: 'Enter the moment to look at.' });
  });

  it('custom takes either end or both, and names the field it cannot read', () => {
    const from = new Date(2026, 10, 29, 8, 30, 15).getTime();
    const to = new Date(2026, 10, 30, 9, 0, 0).getTime();
    expect(windowParams(win({ preset: 'custom', from: '2026-11-29T08:30:15', to: '2026-11-30T09:00' }), now)).toEqual({
      ok: true,
      from,
      to,
    });
    expect(windowParams(win({ preset: 'custom', from: '2026-11-29T08:30:15' }), now)).toEqual({ ok: true, from });
    expect(windowParams(win({ preset: 'custom', to: '2026-11-30T09:00' }), now)).toEqual({ ok: true, to });
    expect(windowParams(win({ preset: 'custom' }), now)).toEqual({ ok: true });
    expect(windowParams(win({ preset: 'custom', from: 'yesterday' }), now)).toMatchObject({ ok: false, field: 'from' });
    expect(windowParams(win({ preset: 'custom', to: '2026-02-31T00:00' }), now)).toMatchObject({ ok: false, field: 'to' });
    expect(windowParams(win({ preset: 'custom', from: '2026-11-30T09:00', to: '2026-11-30T08:00' }), now)).toEqual({
      ok: false,
      field: 'to',
      message: '“To” is before “From”.',
    });
  });

  it('reads and writes datetime-local values in local time', () => {
    const t = new Date(2026, 0, 5, 7, 8, 9).getTime();
    expect(toLocalInput(t)).toBe('2026-01-05T07:08:09');
    expect(parseLocal(toLocalInput(t))).toBe(t);
    expect(parseLocal('2026-01-05T07:08')).toBe(new Date(2026, 0, 5, 7, 8).getTime());
    expect(parseLocal('2026-01-05 07:08')).toBeNull();
    expect(parseLocal('2026-13-01T00:00')).toBeNull();
    expect(parseLocal('')).toBeNull();
  });
});

describe('dashboard history: which field the server named', () => {
  it('finds the param named first in a -32602 message', () => {
    expect(historyErrorField('Invalid params: usernameFilter: missing closing )')).toBe('username');
    expect(historyErrorField('Invalid params: projectFilter: bad pattern')).toBe('project');
    expect(historyErrorField('Invalid params: from: not a time')).toBe('from');
    expect(historyErrorField('Invalid params: "from" is after "to"')).toBe('from');
    expect(historyErrorField('Invalid params: to: not a time')).toBe('to');
    expect(historyErrorField('Invalid params: types[0]: unknown event type')).toBe('types');
    expect(historyErrorField('Invalid params: cursor: not a cursor of sessions.history')).toBeNull();
    // "toString" or "fromage" are not the params.
    expect(historyErrorField('Invalid params: fromage toString')).toBeNull();
  });
});

describe('dashboard history: event details in words', () => {
  it('says what each type holds', () => {
    expect(describeDetail('page.open', { pageId: 'p1', path: '/line/2', title: 'Line 2' })).toBe('/line/2 · Line 2');
    expect(describeDetail('page.open', { pageId: 'p1', path: '', title: '' })).toBe('p1');
    expect(describeDetail('page.close', { pageId: 'p1', path: '/a', title: 'A', by: 'admin' })).toBe('/a · A · closed by admin');
    expect(describeDetail('login', { roles: ['operator', 'viewer'], via: 'jwt' })).toBe('Roles: operator, viewer · via jwt');
    expect(describeDetail('login', { roles: [] })).toBe('Roles: none');
    expect(describeDetail('login.failed', { claimedUsername: 'mallory', reason: 'Bad token' })).toBe('Claimed “mallory”: Bad token');
    expect(describeDetail('login.failed', { claimedUsername: '', reason: 'Bad token' })).toBe('Claimed no username: Bad token');
    expect(describeDetail('logout', {})).toBe('Logged out');
    expect(
      describeDetail('session.start', { scope: 'browser', device: { browser: 'Chrome 126', os: 'Windows 10', type: 'desktop' } }),
    ).toBe('browser · Chrome 126 · Windows 10 · desktop');
    expect(describeDetail('session.end', { reason: 'closed', uptimeMs: 65_000, totalBytesSent: 2048, totalBytesReceived: 10 })).toBe(
      'Closed by an admin · lasted 1m 05s · 2.0 KiB sent, 10 B received',
    );
    expect(
      describeDetail('admin.action', { action: 'sessions.close', sessionId: 's-1', username: 'bob', project: 'Plant', message: 'Bye' }),
    ).toBe('sessions.close on bob · Plant (s-1) message “Bye”');
    expect(describeDetail('admin.action', { action: 'pages.close', sessionId: 's-1', pageId: 'p1' })).toBe(
      'pages.close on session s-1 page p1',
    );
  });

  it('falls back to the JSON for a type it does not know, and ignores wrong field types', () => {
    expect(describeDetail('session.moved', { to: 'node-b' })).toBe('{"to":"node-b"}');
    expect(describeDetail('session.moved', {})).toBe('');
    expect(describeDetail('login', { roles: 'admin', via: 3 })).toBe('Roles: none');
    expect(describeDetail('page.open', {})).toBe('a page');
  });

  it('names the end reasons', () => {
    expect(endReasonText('timeout')).toBe('Timed out');
    expect(endReasonText('closed')).toBe('Closed by an admin');
    expect(endReasonText('other')).toBe('other');
  });
});
