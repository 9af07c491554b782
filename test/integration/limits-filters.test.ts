/**
 * Contract 1.1: a filter whose compiled program is too costly gets -32602 ("pattern too large")
 * instead of stalling the server; filters are compiled within a budget.
 *
 * Timing: the issue names the bound ("well under 500 ms, other sockets served meanwhile"). Before
 * the fix the issue's pattern took 0.7 to 3.8 s to compile on the event loop; refusing it takes
 * well under a millisecond. The bound asserted is the issue's 500 ms, generous for a loaded
 * 2-core machine and still far under the old cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { connectAdmin, expectError, expectResult } from '../support/contract.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;
let admin: RawClient;
let other: RawClient;

beforeAll(async () => {
  srv = await startTestServer();
  admin = await connectAdmin(srv, { project: 'Admin' });
  other = await RawClient.connect(srv.wsUrl, { project: 'Plant1' });
});

afterAll(async () => {
  await other?.close();
  await admin?.close();
  await srv?.close();
});

/** `unit` repeated up to `length` characters. */
function repeatTo(unit: string, length = 1_000): string {
  return unit.repeat(Math.floor(length / unit.length));
}

/** The issue's pattern: `\pL{0,999}` repeated to 1,000 characters (about 200,000 instructions). */
const ISSUE_PATTERN = repeatTo('\\pL{0,999}');

describe('costly filters are refused before compiling', () => {
  it('the issue\'s pattern gets -32602 "pattern too large" in well under 500 ms, and another socket is served meanwhile', async () => {
    const started = performance.now();
    const refused = admin.call('getSessionInfo', { usernameFilter: ISSUE_PATTERN });
    const ping = other.call('session.ping');
    const r = await refused;
    const elapsed = performance.now() - started;
    expectError(r, -32602);
    expect(r.error!.message).toMatch(/^usernameFilter: pattern too large/);
    expect(elapsed).toBeLessThan(500);
    expect(typeof expectResult(await ping).serverTime).toBe('number');
  });

  it.each([
    ["the issue's pattern, as projectFilter", { projectFilter: ISSUE_PATTERN }, 'projectFilter'],
    ['`.{0,999}` repeated', { usernameFilter: repeatTo('.{0,999}') }, 'usernameFilter'],
    ["nested counts within RE2's 1,000 (each unrolled)", { usernameFilter: repeatTo('((a{0,10}){0,10}){0,10}') }, 'usernameFilter'],
    ['many Unicode classes', { usernameFilter: repeatTo('[\\pL\\pN\\pS]') }, 'usernameFilter'],
    ['an alternation of counted Unicode classes', { usernameFilter: `${repeatTo('\\p{Greek}{5,99}|')}x` }, 'usernameFilter'],
  ])('%s', async (_name, params, filter) => {
    const started = performance.now();
    const r = await admin.call('getSessionInfo', params);
    expectError(r, -32602);
    expect(r.error!.message).toMatch(new RegExp(`^${filter}: pattern too large`));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('every method that takes filters applies the budget, in both call forms', async () => {
    for (const [method, params] of [
      ['getSessionInfo', [ISSUE_PATTERN]],
      ['getSessionInfo', [null, ISSUE_PATTERN]],
      ['getSessionStats', { usernameFilter: ISSUE_PATTERN }],
      ['sessions.watch', { projectFilter: ISSUE_PATTERN }],
    ] as const) {
      const r = await admin.call(method, params);
      expectError(r, -32602);
      expect(r.error!.message, method).toMatch(/pattern too large/);
    }
  });

  it('thirty distinct costly patterns are all refused quickly (the process no longer grows by 1.2 GiB)', async () => {
    const started = performance.now();
    for (let i = 0; i < 30; i++) {
      const r = await admin.call('getSessionInfo', { usernameFilter: `${i}${ISSUE_PATTERN.slice(0, 840)}` });
      expectError(r, -32602);
    }
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('ordinary and large-but-reasonable filters still work', async () => {
    for (const f of [
      'Plant.*',
      '(Plant|Line)[0-9]{1,3}',
      '.{0,999}',
      'P[a-z0-9._-]{1,64}',
      Array.from({ length: 120 }, (_, i) => `Plant${i}`).join('|'),
    ]) {
      const list = expectResult(await admin.call('getSessionInfo', { projectFilter: f }));
      expect(
        list.map((s: any) => s.project),
        f.slice(0, 30),
      ).toEqual(f === '.{0,999}' ? expect.arrayContaining(['Plant1', 'Admin']) : ['Plant1']);
    }
  });
});

describe('RE2 errors, told for Java-regex users, naming the filter', () => {
  it.each([
    ['(?<=bill)y', 'RE2 syntax: no lookaround or backreferences'],
    ['(?<!x)billy', 'RE2 syntax: no lookaround or backreferences'],
    ['bill(?=y)', 'RE2 syntax: no lookaround or backreferences'],
    ['(b)\\1', 'RE2 syntax: no lookaround or backreferences'],
    ['a*+', 'RE2 syntax: no possessive quantifiers'],
    ['(?>a)', 'RE2 syntax: no atomic groups'],
    ['bill\\Z', 'use \\z'],
    ['a{1001}', 'a repetition count over 1000'],
  ])('%s', async (pattern, reason) => {
    const r = await admin.call('getSessionInfo', { usernameFilter: pattern });
    expectError(r, -32602);
    expect(r.error!.message).toMatch(/^usernameFilter: invalid regular expression: /);
    expect(r.error!.message).toContain(reason);
  });
});
