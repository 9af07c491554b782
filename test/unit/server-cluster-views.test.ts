import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeParts } from '../../server/src/cluster/merge.js';
import { PartMirror } from '../../server/src/cluster/mirror.js';
import type { PartRecord } from '../../server/src/cluster/types.js';
import { assemble, decodeViews, encodeViews, viewOfPart } from '../../server/src/cluster/views.js';

const text = fc.string({ unit: 'binary', maxLength: 12 });
const NOW = 1_800_000_000_000;

const partArb = (sid: string, node: string, createdAt: number, project: string) =>
  fc.record({
    sid: fc.constant(sid),
    node: fc.constant(node),
    tokenHash: fc.constant('h'),
    project: fc.constant(project),
    scope: fc.constantFrom('browser' as const, 'designer' as const),
    userAgent: text,
    clientAddress: fc.ipV4(),
    device: fc.record({ browser: text, os: text, type: text }),
    createdAt: fc.constant(createdAt),
    username: text,
    roles: fc.array(text, { maxLength: 2 }),
    loggedIn: fc.boolean(),
    isAdmin: fc.boolean(),
    loginAt: fc.integer({ min: 0, max: NOW }),
    recentBytesSent: fc.nat(),
    recentAt: fc.integer({ min: 0, max: NOW }),
    totalBytesSent: fc.nat(),
    totalBytesReceived: fc.nat(),
    messagesSent: fc.nat(),
    lastCommAt: fc.integer({ min: createdAt, max: NOW }),
    rev: fc.nat(),
    state: fc.constantFrom('connected' as const, 'disconnected' as const, 'retired' as const),
    disconnectedAt: fc.constant(0),
    // A part's pages are keyed by ID: unique within a part, shared across parts.
    pages: fc.uniqueArray(
      fc.record({ id: fc.constantFrom('p1', 'p2', 'p3'), path: text, title: text, openedAt: fc.integer({ min: 0, max: NOW }) }),
      { maxLength: 3, selector: (p) => p.id },
    ),
    flushedAt: fc.constant(NOW),
  }) satisfies fc.Arbitrary<PartRecord>;

/** Sessions with one to three parts on nodes a, b, c (distinct creation times: the order is total). */
const clusterArb = fc
  .uniqueArray(
    fc.record({
      sid: fc.uuid(),
      createdAt: fc.integer({ min: 0, max: NOW / 8 - 8 }),
      project: text,
      nodes: fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
    }),
    {
      selector: (s) => s.sid,
      maxLength: 6,
    },
  )
  .chain((sessions) =>
    fc.tuple(...sessions.map((s, i) => fc.tuple(...s.nodes.map((n) => partArb(s.sid, n, s.createdAt * 8 + i, s.project))))),
  )
  .map((groups) => groups.flat());

describe('cluster part views (what queries carry)', () => {
  it('assemble gives exactly the merged views of the part records, in the same order', () => {
    fc.assert(
      fc.property(clusterArb, fc.subarray(['a', 'b', 'c']), (parts, unconfirmedList) => {
        const unconfirmed = new Set(unconfirmedList);
        const expected = mergeParts(parts, unconfirmed, NOW);
        const views = decodeViews(encodeViews(parts.map((p) => viewOfPart(p, NOW, !unconfirmed.has(p.node)))));
        const got = assemble(views, undefined, undefined, NOW);
        expect(got.map((v) => JSON.parse(v.json))).toEqual(expected);
        expect(got.map((v) => [v.username, v.project, v.authorized, v.pages])).toEqual(
          expected.map((e) => [e.username, e.project, e.authorized, e.activePages]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('survives tabs, newlines and quotes in every string', () => {
    const p = fc.sample(partArb('s1', 'node\t"x"\n', 5, 'pro\tject\n'), 1)[0] as PartRecord;
    const part: PartRecord = { ...p, username: 'a\tb\nc"]', pages: [{ id: 'p\t1', path: '/\n', title: '"', openedAt: 1 }] };
    const part2: PartRecord = { ...part, sid: 's\\2', username: 'back\\slash\\t', project: '\\n' };
    const views = [viewOfPart(part, NOW, true), viewOfPart(part2, NOW, false)];
    expect(decodeViews(encodeViews(views))).toEqual(views);
    expect(decodeViews('garbage\n["short"]\tx\n\t\t')).toEqual([]);
  });

  it('filters a merged session by its merged login, not by one part', () => {
    const base = fc.sample(partArb('s1', 'a', 5, 'P'), 1)[0] as PartRecord;
    const older = { ...base, node: 'a', username: 'old', loggedIn: true, loginAt: 10 };
    const newer = { ...base, node: 'b', username: 'new', loggedIn: true, loginAt: 20 };
    const views = [older, newer].map((p) => viewOfPart(p, NOW, true));
    expect(assemble(views, (u) => u === 'old', undefined, NOW)).toEqual([]);
    expect(assemble(views, (u) => u === 'new', undefined, NOW).map((v) => v.username)).toEqual(['new']);
  });
});

describe('the mirror a cluster feed keeps', () => {
  const base = fc.sample(partArb('s1', 'b', 5, 'P'), 1)[0] as PartRecord;
  const part = (over: Partial<PartRecord>): PartRecord => ({ ...base, state: 'connected', ...over });

  it('reports a session as moved when a part is new or changed what a feed shows, and ignores late writes', () => {
    const m = new PartMirror('a');
    const moved = new Set<string>();
    m.put([part({ rev: 1, messagesSent: 1, flushedAt: 100 })], moved);
    expect([...moved]).toEqual(['s1']);
    moved.clear();
    m.put([part({ rev: 1, messagesSent: 1, flushedAt: 200, lastCommAt: 7 })], moved);
    expect(moved.size).toBe(0); // only the clock moved
    m.put([part({ rev: 2, messagesSent: 1, flushedAt: 300 })], moved);
    expect([...moved]).toEqual(['s1']);
    moved.clear();
    m.put([part({ rev: 1, messagesSent: 1, flushedAt: 250 })], moved); // older than what it holds
    expect(moved.size).toBe(0);
    expect(m.partsOf('s1', false)[0]?.rev).toBe(2);
  });

  it("shows a dead node's connected parts as disconnected, and skips its own part while the session is live here", () => {
    const m = new PartMirror('a');
    const moved = new Set<string>();
    m.setAlive(new Set(['a', 'b']), moved);
    m.put([part({ node: 'b' }), part({ node: 'a', state: 'retired' })], moved);
    moved.clear();
    m.setAlive(new Set(['a']), moved);
    expect([...moved]).toEqual(['s1']);
    expect(m.partsOf('s1', true).map((p) => [p.node, p.state])).toEqual([['b', 'disconnected']]);
    expect(
      m
        .partsOf('s1', false)
        .map((p) => p.node)
        .sort(),
    ).toEqual(['a', 'b']);
    m.drop('s1');
    expect(m.size).toBe(0);
  });
});
