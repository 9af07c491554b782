/** The rollup sampler on its own: peaks per minute, bytes that moved, minute rollover, ends, restored sessions. */
import { describe, expect, it } from 'vitest';
import { RollupSampler } from '../../server/src/history/rollup.js';
import type { Session } from '../../server/src/sessions/session.js';

const M = 60_000;
const T = 1_700_000_040_000 - (1_700_000_040_000 % M);

type Fake = Pick<Session, 'project' | 'loggedIn' | 'username' | 'createdAt' | 'totalBytesSent' | 'totalBytesReceived'> & {
  pages: Map<string, unknown>;
};
const session = (project: string, username: string | null, createdAt: number, pages = 0): Fake => ({
  project,
  loggedIn: username !== null,
  username: username ?? 'Unauthenticated',
  createdAt,
  totalBytesSent: 0,
  totalBytesReceived: 0,
  pages: new Map(Array.from({ length: pages }, (_, i) => [`p${i}`, {}])),
});
const as = (xs: Fake[]) => xs as unknown as Session[];

describe('RollupSampler', () => {
  it('keeps the peak of sessions, users and pages in a minute and adds up the bytes that moved', () => {
    const r = new RollupSampler('n1');
    const a = session('A', 'ann', T + 1),
      b = session('A', 'ann', T + 1, 2),
      c = session('B', null, T + 1);
    a.totalBytesSent = 100;
    expect(r.sample(as([a, b, c]), T + 1_000)).toEqual([
      { minute: T, project: 'A', node: 'n1', sessions: 2, users: 1, pages: 2, bytesFromClients: 100, bytesToClients: 0 },
      { minute: T, project: 'B', node: 'n1', sessions: 1, users: 0, pages: 0, bytesFromClients: 0, bytesToClients: 0 },
    ]);
    // Nothing moved: nothing to write.
    expect(r.sample(as([a, b, c]), T + 2_000)).toEqual([]);
    a.totalBytesSent = 150;
    b.totalBytesReceived = 70;
    // One page closed and project B's session gone: the peaks stay; the bytes add up.
    b.pages.delete('p1');
    expect(r.sample(as([a, b]), T + 3_000)).toEqual([
      { minute: T, project: 'A', node: 'n1', sessions: 2, users: 1, pages: 2, bytesFromClients: 150, bytesToClients: 70 },
    ]);
  });

  it('writes the finished minute once more when the next begins, and counts the last bytes of a session that ends', () => {
    const r = new RollupSampler('n1');
    const a = session('A', 'ann', T + 1);
    r.sample(as([a]), T + 1_000);
    a.totalBytesSent = 40;
    r.final(a as unknown as Session);
    const next = r.sample(as([]), T + M + 1_000);
    expect(next).toEqual([
      { minute: T, project: 'A', node: 'n1', sessions: 1, users: 1, pages: 0, bytesFromClients: 40, bytesToClients: 0 },
    ]);
  });

  it('does not count the bytes a restored or joined session brought with it', () => {
    const r = new RollupSampler('n1');
    r.sample(as([]), T + 1_000);
    const old = session('A', null, T - 10 * M);
    old.totalBytesSent = 1_000_000;
    expect(r.sample(as([old]), T + 2_000)).toEqual([
      { minute: T, project: 'A', node: 'n1', sessions: 1, users: 0, pages: 0, bytesFromClients: 0, bytesToClients: 0 },
    ]);
    old.totalBytesSent += 5;
    expect(r.sample(as([old]), T + 3_000)[0]?.bytesFromClients).toBe(5);
  });
});
