/**
 * The SDK's live session list (client.sessionFeed): snapshot, diffs, and a new subscription
 * after every reconnect, against the real server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isRpcError, type FeedChange } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { ClientPool, trackedWebSocket } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

describe('sessionFeed', () => {
  it('keeps a live map: snapshot, added, updated, removed', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 200 });
    const early = pool.client({ url: srv.wsUrl, project: 'Line' });
    await early.ready(5_000);
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const feed = admin.sessionFeed({ projectFilter: 'Line' });
    const changes: FeedChange[] = [];
    feed.on('change', (c) => changes.push(c));
    await feed.ready;
    expect([...feed.sessions.keys()]).toEqual([early.sessionId]);

    const late = pool.client({ url: srv.wsUrl, project: 'Line' });
    await late.ready(5_000);
    await waitFor(() => feed.sessions.has(late.sessionId ?? ''), 'added');
    await late.openPage({ pageId: 'p' });
    await waitFor(() => feed.sessions.get(late.sessionId ?? '')?.pageIds.includes('p'), 'updated');
    late.close();
    await waitFor(() => !feed.sessions.has(late.sessionId ?? ''), 'removed after the session timeout');
    expect(changes[0]?.reset).toBe(true);
    expect(changes.slice(1).every((c) => !c.reset)).toBe(true);
    await feed.close();
  });

  it('subscribes again after a reconnect and reports a reset with what changed meanwhile', async () => {
    await using srv = await startTestServer();
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const admin = pool.client({ url: srv.wsUrl, project: 'Ops', WebSocket: Tracked, backoff: { initialMs: 20, maxMs: 50 } });
    await admin.ready(5_000);
    await admin.login(ADMIN_TOKEN);
    const feed = admin.sessionFeed({ projectFilter: 'Line' });
    await feed.ready;
    expect(feed.sessions.size).toBe(0);
    const resets: FeedChange[] = [];
    feed.on('change', (c) => c.reset && resets.push(c));
    sockets.at(-1)?.terminate(); // the network drops
    // While the admin is away, a session arrives: the new snapshot has it.
    const user = pool.client({ url: srv.wsUrl, project: 'Line' });
    await user.ready(5_000);
    await waitFor(() => resets.length > 0 && feed.sessions.has(user.sessionId ?? ''), 'a reset with the new session');
    // And diffs flow on the new subscription.
    await user.openPage({ pageId: 'after' });
    await waitFor(() => feed.sessions.get(user.sessionId ?? '')?.pageIds.includes('after'), 'a diff after the reconnect');
    await feed.close();
  });

  it('a non-admin: ready rejects with -32003 and the feed stops', async () => {
    await using srv = await startTestServer();
    const user = pool.client({ url: srv.wsUrl });
    await user.ready(5_000);
    const feed = user.sessionFeed();
    const err = await feed.ready.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRpcError(err, -32003)).toBe(true);
  });
});
