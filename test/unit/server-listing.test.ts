/**
 * The pure parts of sessions.list (server/src/listing): a walk by cursor over a list that changes
 * between pages returns every session present for the whole walk exactly once and none twice,
 * for each field that never changes, both ways; the bounded heap picks what a full sort would.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SessionEndCause } from '@session-tracker/shared';
import { decodeCursor, encodeCursor } from '../../server/src/listing/cursor.js';
import { parseOrder, type Order, type Position } from '../../server/src/listing/order.js';
import { selectPage } from '../../server/src/listing/select.js';
import { SESSION_KEYS, SessionLists } from '../../server/src/listing/sessions.js';
import { compileFilter } from '../../server/src/filters/regex.js';
import { SessionRegistry } from '../../server/src/sessions/registry.js';
import type { Session } from '../../server/src/sessions/session.js';

const log = pino({ level: 'silent' });

/** Few distinct values, so ties (broken by id) are common. */
const newSession = fc.record({
  project: fc.constantFrom('A', 'B', 'C'),
  clientAddress: fc.constantFrom('10.0.0.1', '10.0.0.2', '::1'),
  userAgent: fc.constantFrom('', 'x', 'Mozilla/5.0'),
  now: fc.integer({ min: 1_000, max: 1_010 }),
});
type NewSession = typeof newSession extends fc.Arbitrary<infer T> ? T : never;

/** What happens between two pages: sessions start, and live ones (picked by index) end. */
const change = fc.record({ adds: fc.array(newSession, { maxLength: 3 }), removes: fc.array(fc.nat(), { maxLength: 3 }) });

function open(registry: SessionRegistry, n: NewSession): Session {
  return registry.open(
    { project: n.project, scope: 'browser', userAgent: n.userAgent, clientAddress: n.clientAddress, resumeToken: undefined },
    n.now,
  ).session;
}

describe('sessions.list keyset walk (property)', () => {
  for (const field of ['id', 'creationTime', 'project', 'clientAddress', 'uptime', 'userAgent', 'sessionScope']) {
    for (const sort of [field, `-${field}`]) {
      it(`sorted by ${sort}: every session present for the whole walk exactly once, none twice`, () => {
        fc.assert(
          fc.property(
            fc.array(newSession, { maxLength: 25 }),
            fc.array(change, { maxLength: 30 }),
            fc.integer({ min: 1, max: 6 }),
            fc.constantFrom(undefined, 'A|B'),
            (initial, changes, limit, projectFilter) => {
              const registry = new SessionRegistry(log, 30_000, { perSecond: 100, burst: 200 });
              const lists = new SessionLists(registry);
              const order = parseOrder(sort);
              const project = compileFilter('projectFilter', projectFilter);
              const whole = new Set(initial.map((n) => open(registry, n)));
              const seen: string[] = [];
              let after: Position | undefined;
              let step = 0;
              for (let pages = 0; pages < 200; pages++) {
                const page = lists.page(order, undefined, project, { after, skip: 0, limit });
                expect(page.items.length).toBeLessThanOrEqual(limit);
                for (const e of page.items) seen.push(e.id);
                const last = page.items.at(-1);
                if (!page.more || !last) break;
                // The cursor goes out and comes back as text, as it does over the wire.
                after = decodeCursor(order, encodeCursor(order, last));
                const c = changes[step++];
                if (!c) continue;
                for (const n of c.adds) open(registry, n);
                const live = [...registry.values()];
                for (const i of c.removes) {
                  const s = live[i % Math.max(1, live.length)];
                  if (!s || s.ended) continue;
                  registry.end(s, SessionEndCause.Closed);
                  whole.delete(s);
                }
              }
              expect(new Set(seen).size).toBe(seen.length);
              const matching = [...whole].filter((s) => !projectFilter || /^(A|B)$/.test(s.project));
              for (const s of matching) expect(seen).toContain(s.id);
              // The kept index is the registry as it is now, in order.
              const now = lists.page(order, undefined, project, { after: undefined, skip: 0, limit: 1_000 }).items.map((e) => e.id);
              const key = SESSION_KEYS[order.field];
              const dir = order.desc ? -1 : 1;
              const expected = [...registry.values()]
                .filter((s) => !projectFilter || /^(A|B)$/.test(s.project))
                .sort((a, b) => dir * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
                .map((s) => s.id);
              expect(now).toEqual(expected);
            },
          ),
          { numRuns: 60 },
        );
      });
    }
  }
});

describe('sessions.list page selection (property)', () => {
  interface Row {
    id: string;
    v: number;
  }
  const rows = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), v: fc.integer({ min: 0, max: 5 }) }), {
    selector: (r) => r.id,
    maxLength: 60,
  });

  it('the bounded heap gives what sorting everything and slicing gives', () => {
    fc.assert(
      fc.property(rows, fc.boolean(), fc.nat(10), fc.integer({ min: 1, max: 8 }), fc.option(fc.nat(60)), (all, desc, skip, limit, cut) => {
        const order: Order = { ...parseOrder('totalBytesSent'), desc };
        const dir = desc ? -1 : 1;
        const sorted = [...all].sort((a, b) => dir * (a.v - b.v || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
        const from = cut === null || sorted.length === 0 ? undefined : sorted[cut % sorted.length];
        const after = from ? { key: from.v, id: from.id } : undefined;
        const rest = from ? sorted.slice(sorted.indexOf(from) + 1) : sorted;
        const page = selectPage<Row>(
          all,
          (r) => r.v,
          (r) => r.id,
          () => true,
          { order, after, skip, limit },
        );
        expect(page.items.map((e) => e.item)).toEqual(rest.slice(skip, skip + limit));
        expect(page.more).toBe(rest.length > skip + limit);
      }),
    );
  });
});

describe('sessions.list sort values', () => {
  it('uptime and lastComm sort by their times reversed, so a value holds still as the clock moves', () => {
    const registry = new SessionRegistry(log, 30_000, { perSecond: 100, burst: 200 });
    const s = open(registry, { project: 'A', clientAddress: '::1', userAgent: '', now: 5_000 });
    s.lastCommAt = 7_000;
    expect(SESSION_KEYS.uptime(s)).toBe(-5_000);
    expect(SESSION_KEYS.lastComm(s)).toBe(-7_000);
    expect(SESSION_KEYS.creationTime(s)).toBe(5_000);
  });
});
