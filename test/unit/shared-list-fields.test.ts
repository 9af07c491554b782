/** shared/src/list.ts: the sortable fields are derived from SESSION_INFO_FIELDS, not listed by hand. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  SESSION_INFO_FIELDS,
  SORT_FIELDS,
  UNSORTABLE_FIELDS,
  type SessionInfo,
  type SessionInfoField,
  type SingleValuedField,
  type SortField,
} from '@session-tracker/shared';

/** A SessionInfo with every field present, as a 1.1 server sends it. */
const sample: Required<SessionInfo> = {
  id: 'a',
  userAgent: 'ua',
  username: 'u',
  project: 'p',
  uptime: 1,
  clientAddress: '127.0.0.1',
  lastComm: 1,
  sessionScope: 'browser',
  activePages: 0,
  recentBytesSent: 0,
  totalBytesSent: 0,
  pageIds: [],
  authorized: false,
  totalBytesReceived: 0,
  messagesSent: 0,
  creationTime: '2026-01-01T00:00:00.000Z',
  state: 'connected',
  pages: [],
  device: { browser: '', os: '', type: 'desktop' },
  roles: [],
  traffic: {},
};

describe('SORT_FIELDS', () => {
  it('is every SessionInfo field whose value is one string, number or boolean, in wire order', () => {
    const single = SESSION_INFO_FIELDS.filter((f) => ['string', 'number', 'boolean'].includes(typeof sample[f]));
    expect(SORT_FIELDS).toEqual(single);
    expect(SESSION_INFO_FIELDS.filter((f) => !single.includes(f))).toEqual([...UNSORTABLE_FIELDS]);
  });

  it('names every field of the sample (so the check above sees them all)', () => {
    expect([...SESSION_INFO_FIELDS].sort()).toEqual(Object.keys(sample).sort());
  });

  it('is typed as the single-valued SessionInfo fields, and the field list as every SessionInfo key', () => {
    expectTypeOf<SortField>().toEqualTypeOf<SingleValuedField>();
    expectTypeOf<SessionInfoField>().toEqualTypeOf<keyof SessionInfo>();
  });
});
