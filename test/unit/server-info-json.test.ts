import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_DATASET_COLUMNS } from '@session-tracker/shared';
import { Session } from '../../server/src/sessions/session.js';
import { toDataset, toSessionInfo } from '../../server/src/sessions/info.js';
import { datasetRowJson, sessionInfoJson } from '../../server/src/sessions/info-json.js';
import { parseDevice } from '../../server/src/sessions/device.js';
import { newBucket } from '../../server/src/sessions/rate-limit.js';
import type { Peer } from '../../server/src/sessions/session.js';
import { ByteWriter } from '../../server/src/lib/byte-writer.js';
import { countSent } from '../../server/src/sessions/traffic.js';
import { sessionsJson } from '../../server/src/sessions/answers.js';

const text = fc.string({ unit: 'binary', maxLength: 30 });
const owner = {} as Peer;

const sessionArb = fc.record({
  id: fc.uuid(),
  project: text,
  scope: fc.constantFrom('browser', 'designer', 'ios', 'android' as const),
  userAgent: fc.oneof(
    text,
    fc.constant('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'),
  ),
  clientAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
  createdAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  username: fc.option(text),
  roles: fc.array(text, { maxLength: 3 }),
  counters: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  pages: fc.array(fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }), path: fc.option(text), title: fc.option(text) }), {
    maxLength: 4,
  }),
  closeFirst: fc.boolean(),
  disconnected: fc.boolean(),
  appCalls: fc.array(fc.record({ name: text, bytes: fc.nat(10_000) }), { maxLength: 3 }),
});

type SessionArgs = typeof sessionArb extends fc.Arbitrary<infer T> ? T : never;

function build(a: SessionArgs): Session {
  const s = new Session({
    id: a.id,
    tokenHash: 'h',
    project: a.project,
    scope: a.scope,
    userAgent: a.userAgent,
    clientAddress: a.clientAddress,
    device: parseDevice(a.userAgent),
    now: a.createdAt,
    bucket: newBucket({ perSecond: 1, burst: 1 }, 0),
  });
  if (a.username !== null) s.login(a.username, a.roles, false);
  [s.recentBytesSent, s.totalBytesSent, s.totalBytesReceived, s.messagesSent] = a.counters as [number, number, number, number];
  s.lastCommAt = a.createdAt + 5;
  for (const p of a.pages) s.openPage(p.id, p.path ?? undefined, p.title ?? undefined, owner, a.createdAt + 1);
  // Serialise once, then change pages: the cached pieces must follow.
  sessionInfoJson(s, a.createdAt);
  if (a.closeFirst && a.pages[0]) s.closePage(a.pages[0].id);
  if (a.pages[1]) s.updatePage(a.pages[1].id, '/moved "here"', undefined);
  if (a.disconnected) s.state = 'disconnected';
  for (const c of a.appCalls) countSent(s, c.name, c.bytes);
  return s;
}

describe('SessionInfo JSON from cached pieces', () => {
  it('equals JSON.stringify of the SessionInfo object, for any session', () => {
    fc.assert(
      fc.property(sessionArb, fc.nat(1_000_000), (a, later) => {
        const s = build(a);
        const now = a.createdAt + later;
        expect(sessionInfoJson(s, now)).toBe(JSON.stringify(toSessionInfo(s, now)));
      }),
      { numRuns: 500 },
    );
  });

  it('gives dataset rows equal to the Dataset shape', () => {
    fc.assert(
      fc.property(fc.array(sessionArb, { maxLength: 5 }), (arr) => {
        const sessions = arr.map(build);
        const raw = `{"columns":${JSON.stringify(SESSION_DATASET_COLUMNS)},"rows":[${sessions.map(datasetRowJson).join(',')}]}`;
        expect(raw).toBe(JSON.stringify(toDataset(sessions)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('ByteWriter', () => {
  it('writes any number as JSON.stringify does', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double(), fc.constant(-0), fc.constant(Number.MAX_SAFE_INTEGER + 2)),
        (n) => {
          const w = new ByteWriter(1);
          w.number(n);
          expect(w.toString()).toBe(JSON.stringify(n));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('grows as it is written and gives back exactly what was written', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 50 }), (texts) => {
        const w = new ByteWriter(4);
        for (const t of texts) {
          w.text(t);
          w.byte(0x2c);
          w.bytes(Buffer.from(t), 0, Buffer.byteLength(t));
        }
        const want = texts.map((t) => `${t},${t}`).join('');
        expect(w.take().toString('utf8')).toBe(want);
        expect(w.reset().length).toBe(0);
      }),
    );
  });
});

describe('a whole answer as bytes', () => {
  it('equals the text of its pieces joined, for any sessions, head and tail', () => {
    fc.assert(
      fc.property(fc.array(sessionArb, { maxLength: 6 }), fc.nat(1_000_000), (arr, later) => {
        const sessions = arr.map(build);
        const now = 4_000_000_000_000 + later;
        const raw = sessionsJson(sessions, now).wrap('{"jsonrpc":"2.0","id":1,"result":', '}');
        const w = new ByteWriter(8);
        w.text(raw.head);
        raw.writeSlice(0, raw.count, w);
        w.text(raw.tail);
        expect(w.take().toString('utf8')).toBe(raw.text());
        expect(JSON.parse(raw.text()).result).toEqual(sessions.map((s) => JSON.parse(JSON.stringify(toSessionInfo(s, now)))));
      }),
      { numRuns: 200 },
    );
  });
});
