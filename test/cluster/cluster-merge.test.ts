import { describe, expect, it } from 'vitest';
import { mergeParts } from '../../server/src/cluster/merge.js';
import { PartMirror } from '../../server/src/cluster/mirror.js';
import { asSeen } from '../../server/src/cluster/records.js';
import type { PartRecord } from '../../server/src/cluster/types.js';
import { assemble, viewOfPart } from '../../server/src/cluster/views.js';

// The pure rules of a dead node's part: what a merge takes from it, what the mirror keeps.
const NOW = 1_800_000_000_000;
const base: PartRecord = {
  sid: 's1',
  node: 'a',
  tokenHash: 'h',
  project: 'P',
  scope: 'browser',
  userAgent: 'ua',
  clientAddress: '10.0.0.1',
  device: { browser: 'b', os: 'o', type: 't' },
  createdAt: 1_000,
  username: 'ann',
  roles: [],
  loggedIn: true,
  isAdmin: false,
  loginAt: 5,
  recentBytesSent: 0,
  recentAt: 0,
  totalBytesSent: 100,
  totalBytesReceived: 10,
  messagesSent: 3,
  lastCommAt: 2_000,
  rev: 1,
  state: 'connected',
  disconnectedAt: 0,
  pages: [{ id: 'pa', path: '/', title: '', openedAt: 1 }],
  flushedAt: 100,
};
const part = (over: Partial<PartRecord>): PartRecord => ({ ...base, ...over });
const alive =
  (...nodes: string[]) =>
  (n: string) =>
    nodes.includes(n);

describe("cluster merge: a dead node's part", () => {
  it('adds only its counters while another part lives: pages, state, node, nodes and confirmed come from live parts', () => {
    const live = part({ node: 'a', state: 'disconnected', pages: [], lastCommAt: 1_500 });
    const dead = asSeen(
      part({
        node: 'b',
        pages: [{ id: 'pb', path: '/', title: '', openedAt: 1 }],
        lastCommAt: 3_000,
        messagesSent: 7,
        totalBytesSent: 900,
      }),
      alive('a'),
    );
    const retired = part({ node: 'c', state: 'retired', pages: [], messagesSent: 4 });
    expect(dead).toMatchObject({ state: 'disconnected', pages: [] });
    const [m] = mergeParts([live, dead, retired], new Set(['b']), NOW, alive('a', 'c'));
    expect(m).toMatchObject({
      state: 'disconnected',
      node: 'a',
      nodes: ['a'],
      confirmed: true,
      pageIds: [],
      messagesSent: 14,
      totalBytesSent: 1_100,
    });
    // The same through the views a cluster query carries.
    const views = [viewOfPart(live, NOW, true, true), viewOfPart(dead, NOW, false, false), viewOfPart(retired, NOW, true, true)];
    expect(JSON.parse(assemble(views, undefined, undefined, NOW)[0]!.json)).toEqual(m);
  });

  it('a session whose only part died shows that part: disconnected, unconfirmed, naming the dead node', () => {
    const dead = asSeen(part({ node: 'b' }), alive('a'));
    const [m] = mergeParts([dead, part({ node: 'c', state: 'retired', pages: [] })], new Set(['b']), NOW, alive('a', 'c'));
    expect(m).toMatchObject({ state: 'disconnected', node: 'b', nodes: ['b'], confirmed: false, pageIds: [], messagesSent: 6 });
  });

  it('a slow node (beating, silent) keeps its pages and makes the session unconfirmed', () => {
    const [m] = mergeParts([part({ node: 'a', pages: [] }), part({ node: 'b' })], new Set(['b']), NOW, alive('a', 'b'));
    expect(m).toMatchObject({ state: 'connected', confirmed: false, pageIds: ['pa'] });
    expect(m!.nodes.sort()).toEqual(['a', 'b']);
  });
});

describe('the feed mirror after a node died', () => {
  it('keeps what Redis holds of its parts and drops what Redis never had, unless written since the read', () => {
    const m = new PartMirror('x');
    const moved = new Set<string>();
    m.put(
      [
        part({ sid: 's1', node: 'b' }),
        part({ sid: 's2', node: 'b' }),
        part({ sid: 's3', node: 'b', flushedAt: 500 }),
        part({ sid: 's2', node: 'a' }),
      ],
      moved,
    );
    expect(m.sidsOf('b').sort()).toEqual(['s1', 's2', 's3']);
    moved.clear();
    const retired = part({ sid: 's1', node: 'b', state: 'retired', pages: [], flushedAt: 200 });
    m.settle('b', ['s1', 's2', 's3'], [retired, undefined, undefined], 300, moved);
    expect([...moved].sort()).toEqual(['s1', 's2']);
    expect(m.partsOf('s1', false)).toEqual([retired]);
    expect(m.partsOf('s2', false).map((p) => p.node)).toEqual(['a']);
    expect(m.partsOf('s3', false).map((p) => p.node)).toEqual(['b']); // written after the read
    m.settle('b', ['s3'], [undefined], 600, moved);
    expect(m.partsOf('s3', false)).toEqual([]);
    expect(m.size).toBe(2);
  });
});
