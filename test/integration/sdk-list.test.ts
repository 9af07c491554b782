/**
 * The SDK's `client.listSessions(params)` over a real socket: an async iterator over pages of
 * sessions.list that follows `next` until it is null, typed by the fields asked for.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { isRpcError, type SessionsPage, type SessionTrackerClient } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient, waitFor } from '../support/ws-client.js';
import { ClientPool } from '../support/sdk.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

async function users(url: string, n: number, project: string): Promise<SessionTrackerClient[]> {
  const out = Array.from({ length: n }, () => pool.client({ url, project }));
  await Promise.all(out.map((c) => c.ready(5_000)));
  return out;
}

describe('client.listSessions', () => {
  it('yields every page, following next until null, each with the total', async () => {
    await using srv = await startTestServer();
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const clients = await users(srv.wsUrl, 7, 'Line');
    const pages: SessionsPage<'project' | 'creationTime'>[] = [];
    for await (const page of admin.listSessions({
      projectFilter: 'Line',
      sort: '-creationTime',
      fields: ['project', 'creationTime'],
      limit: 3,
    })) {
      // Typed by the fields asked for: the others are not there, in the type or on the wire.
      expectTypeOf(page.sessions[0]!).toEqualTypeOf<{ id: string; project: string; creationTime: string }>();
      pages.push(page);
    }
    expect(pages.map((p) => p.sessions.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.total)).toEqual([7, 7, 7]);
    expect(pages.at(-1)!.next).toBeNull();
    const listed = pages.flatMap((p) => p.sessions);
    expect(listed.map((s) => s.id).sort()).toEqual(clients.map((c) => c.sessionId).sort());
    for (const s of listed) expect(Object.keys(s)).toEqual(['id', 'project', 'creationTime']);
    const times = listed.map((s) => s.creationTime);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('starts at an offset, then pages on by cursor; an empty list is one empty page', async () => {
    await using srv = await startTestServer();
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    await users(srv.wsUrl, 5, 'Offset');
    const all = [];
    for await (const page of admin.listSessions({ projectFilter: 'Offset' })) all.push(...page.sessions.map((s) => s.id));
    const rest = [];
    for await (const page of admin.listSessions({ projectFilter: 'Offset', offset: 1, limit: 2 }))
      rest.push(...page.sessions.map((s) => s.id));
    expect(rest).toEqual(all.slice(1));
    const empty = [];
    for await (const page of admin.listSessions({ projectFilter: 'Nobody' })) empty.push(page);
    expect(empty).toEqual([{ sessions: [], total: 0, next: null }]);
  });

  it('takes the state addition, typed: only connected or only disconnected sessions, counted', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 30_000 });
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const clients = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(srv.wsUrl, { project: 'State' })));
    await clients[0]!.close();
    const count = async (state: 'connected' | 'disconnected') => {
      for await (const page of admin.listSessions({ projectFilter: 'State', state, limit: 1, fields: ['state'] })) return page;
      throw new Error('no page');
    };
    const gone = await waitFor(async () => ((await count('disconnected')).total === 1 ? count('disconnected') : undefined));
    expect(gone.sessions).toEqual([{ id: clients[0]!.sessionId, state: 'disconnected' }]);
    expect((await count('connected')).total).toBe(3);
    const iterate = async (params: Parameters<SessionTrackerClient['listSessions']>[0]) => {
      for await (const _ of admin.listSessions(params)) void _;
    };
    // @ts-expect-error: not a session state
    const bad = await iterate({ state: 'idle' }).catch((e: unknown) => e);
    expect(isRpcError(bad) && bad.code).toBe(-32602);
    for (const c of clients.slice(1)) c.terminate();
  });

  it('throws the server error from the iterator (bad sort, not an admin)', async () => {
    await using srv = await startTestServer();
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const iterate = async (c: SessionTrackerClient, params: Parameters<SessionTrackerClient['listSessions']>[0]) => {
      for await (const _ of c.listSessions(params)) void _;
    };
    // @ts-expect-error: not a sortable field
    const bad = await iterate(admin, { sort: 'pages' }).catch((e: unknown) => e);
    expect(isRpcError(bad) && bad.code).toBe(-32602);
    const [user] = await users(srv.wsUrl, 1, 'x');
    const forbidden = await iterate(user!, {}).catch((e: unknown) => e);
    expect(isRpcError(forbidden) && forbidden.code).toBe(-32003);
  });
});
