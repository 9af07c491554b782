/**
 * Contract: Filters. usernameFilter and projectFilter are regular expressions matched
 * against the whole value, case-sensitive, with RE2 (linear-time) semantics; omitted,
 * null or "" matches everything; an invalid or over-long (> 1,000 characters) pattern gets
 * -32602 with a message naming the filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { connectWithToken, expectError, expectResult } from '../support/contract.js';
import { userToken } from '../support/jwt.js';
import { startChildServer } from '../support/child-server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;
let admin: RawClient;
const others: RawClient[] = [];
const ids: Record<string, string> = {};

/** user → project of the fixture sessions. */
const FIXTURE: [string, string][] = [
  ['billy', 'MyProject'],
  ['billy2', 'MyProject'],
  ['Billy', 'Other'],
  ['bill.smith', 'Other'],
  ['billxsmith', 'Third one'],
  ['bob', 'MyProject2'],
];

beforeAll(async () => {
  srv = await startTestServer();
  admin = await connectWithToken(srv, await userToken('root', ['admin']), { project: 'Admin' });
  ids.root = admin.sessionId;
  for (const [user, project] of FIXTURE) {
    const c = await connectWithToken(srv, await userToken(user), { project });
    ids[user] = c.sessionId;
    others.push(c);
  }
  const anon = await RawClient.connect(srv.wsUrl, { project: 'MyProject' });
  ids.anon = anon.sessionId;
  others.push(anon);
});

afterAll(async () => {
  for (const c of others) await c.close();
  await admin?.close();
  await srv?.close();
});

const ALL = ['root', ...FIXTURE.map(([u]) => u), 'anon'];

/** The fixture names whose sessions a getSessionInfo with `params` returns. */
async function names(params: unknown): Promise<string[]> {
  const list = expectResult(await admin.call('getSessionInfo', params));
  expect(Array.isArray(list)).toBe(true);
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return list.map((s: any) => byId.get(s.id) ?? `?${s.id}`).sort();
}

const sorted = (xs: string[]) => [...xs].sort();

describe('username filter: whole-value regex, case-sensitive', () => {
  it('"bi.*" matches billy and billy2 (and bill.*), not Billy or bob', async () => {
    expect(await names(['bi.*'])).toEqual(sorted(['billy', 'billy2', 'bill.smith', 'billxsmith']));
  });

  it('"bi.ly" matches billy only (not billy2: the whole value must match)', async () => {
    expect(await names(['bi.ly'])).toEqual(['billy']);
  });

  it('"billy" does not match billy2', async () => {
    expect(await names(['billy'])).toEqual(['billy']);
  });

  it('"Billy" does not match billy (case-sensitive)', async () => {
    expect(await names(['Billy'])).toEqual(['Billy']);
    expect(await names(['BILLY'])).toEqual([]);
  });

  it('"illy" matches nothing: no substring search', async () => {
    expect(await names(['illy'])).toEqual([]);
    expect(await names(['bil'])).toEqual([]);
  });

  it('"bill\\.smith" matches the dot literally', async () => {
    expect(await names(['bill\\.smith'])).toEqual(['bill.smith']);
    expect(await names(['bill.smith'])).toEqual(sorted(['bill.smith', 'billxsmith']));
  });

  it('alternation is anchored as a whole: "bob|billy" matches exactly bob and billy', async () => {
    expect(await names(['bob|billy'])).toEqual(sorted(['bob', 'billy']));
  });

  it('explicit anchors are harmless', async () => {
    expect(await names(['^billy$'])).toEqual(['billy']);
  });

  it('matches the username "Unauthenticated" of sessions not logged in', async () => {
    expect(await names(['Unauthenticated'])).toEqual(['anon']);
  });
});

describe('project filter', () => {
  it('"MyProject" is a whole-value match (not MyProject2)', async () => {
    expect(await names([null, 'MyProject'])).toEqual(sorted(['billy', 'billy2', 'anon']));
  });

  it('"MyProject.*" also matches MyProject2', async () => {
    expect(await names([null, 'MyProject.*'])).toEqual(sorted(['billy', 'billy2', 'anon', 'bob']));
  });

  it('is case-sensitive', async () => {
    expect(await names([null, 'myproject'])).toEqual([]);
  });

  it('matches names with spaces', async () => {
    expect(await names([null, 'Third one'])).toEqual(['billxsmith']);
    expect(await names([null, 'Third\\s\\w+'])).toEqual(['billxsmith']);
  });

  it('combines with the username filter (both must match)', async () => {
    expect(await names(['bi.*', 'Other'])).toEqual(['bill.smith']);
    expect(await names({ usernameFilter: 'b.*', projectFilter: 'MyProject' })).toEqual(sorted(['billy', 'billy2']));
  });
});

describe('omitted, null and "" match everything', () => {
  it.each([
    ['no params', undefined],
    ['[]', []],
    ['[null]', [null]],
    ['[null, null]', [null, null]],
    ['["", ""]', ['', '']],
    ['[""]', ['']],
    ['{}', {}],
    ['{usernameFilter: null, projectFilter: null}', { usernameFilter: null, projectFilter: null }],
    ['{usernameFilter: "", projectFilter: ""}', { usernameFilter: '', projectFilter: '' }],
  ])('%s', async (_what, params) => {
    expect(await names(params)).toEqual(sorted(ALL));
  });

  it('"" for one filter and a pattern for the other', async () => {
    expect(await names(['', 'Other'])).toEqual(sorted(['Billy', 'bill.smith']));
    expect(await names({ usernameFilter: 'bob', projectFilter: '' })).toEqual(['bob']);
    expect(await names({ projectFilter: 'Admin' })).toEqual(['root']);
  });
});

describe('positional and named forms agree', () => {
  it.each([
    ['bi.*', null],
    ['bi.ly', null],
    [null, 'MyProject'],
    ['b.*', 'MyProject.*'],
  ])('(%j, %j)', async (u, p) => {
    const positional = await names([u, p]);
    const named = await names({ usernameFilter: u, projectFilter: p });
    expect(named).toEqual(positional);
  });
});

describe('invalid filters: -32602 naming the filter', () => {
  it.each(['(', '[a-', 'a{2,1}', '*', '(?P<x', 'a)'])('invalid usernameFilter %j', async (pattern) => {
    const r = await admin.call('getSessionInfo', [pattern]);
    expectError(r, -32602);
    expect(r.error!.message).toContain('usernameFilter');
    const named = await admin.call('getSessionInfo', { usernameFilter: pattern });
    expectError(named, -32602);
    expect(named.error!.message).toContain('usernameFilter');
  });

  it.each(['(', '[z-a]', '+'])('invalid projectFilter %j', async (pattern) => {
    const r = await admin.call('getSessionInfo', [null, pattern]);
    expectError(r, -32602);
    expect(r.error!.message).toContain('projectFilter');
    const named = await admin.call('getSessionInfo', { projectFilter: pattern });
    expectError(named, -32602);
    expect(named.error!.message).toContain('projectFilter');
  });

  it('an over-long pattern (1,001 characters) gets -32602 naming the filter', async () => {
    const long = 'a'.repeat(1_001);
    const u = await admin.call('getSessionInfo', { usernameFilter: long });
    expectError(u, -32602);
    expect(u.error!.message).toContain('usernameFilter');
    const p = await admin.call('getSessionInfo', [null, long]);
    expectError(p, -32602);
    expect(p.error!.message).toContain('projectFilter');
  });

  it('a pattern of exactly 1,000 characters is accepted', async () => {
    expect(await names(['a'.repeat(1_000)])).toEqual([]);
    expect(await names([`(bob|${'x'.repeat(994)})`])).toEqual(['bob']);
  });

  it('filters of the wrong type get -32602', async () => {
    expectError(await admin.call('getSessionInfo', [42]), -32602);
    expectError(await admin.call('getSessionInfo', { usernameFilter: ['a'] }), -32602);
    expectError(await admin.call('getSessionInfo', { projectFilter: { re: 'a' } }), -32602);
    expectError(await admin.call('getSessionInfo', { format: 'csv' }), -32602);
    // Positional form: at most two filters.
    expectError(await admin.call('getSessionInfo', ['a', 'b', 'c']), -32602);
  });

  it('the socket stays usable after errors', async () => {
    expectError(await admin.call('getSessionInfo', ['(']), -32602);
    expect(await names(['bob'])).toEqual(['bob']);
  });
});

describe('linear-time matching (RE2)', () => {
  it('a catastrophic-backtracking pattern against a long username answers fast', async () => {
    // In its own process: a backtracking engine would hang the server's event loop, and
    // must not hang the test runner with it.
    await using child = await startChildServer();
    const victim = `${'a'.repeat(5_000)}!`;
    const evil = await connectWithToken(child, await userToken(victim));
    const match = await connectWithToken(child, await userToken('aaaa'));
    const boss = await connectWithToken(child, await userToken('boss', ['admin']));
    for (const pattern of ['(a+)+$', '(a|aa)+', '(a*)*b', '(.*a){20}']) {
      const started = Date.now();
      const response = await boss.call('getSessionInfo', [pattern], 10_000);
      const list = expectResult(response);
      // A generous bound: linear time answers in milliseconds; backtracking never does.
      expect(Date.now() - started, pattern).toBeLessThan(5_000);
      const found = list.map((s: any) => s.username);
      expect(found).not.toContain(victim);
      if (pattern !== '(a*)*b' && pattern !== '(.*a){20}') expect(found).toContain('aaaa');
    }
    for (const c of [evil, match, boss]) await c.close();
  });
});
