import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { signJwt } from '../support/jwt.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { expectError, expectResult } from '../support/contract.js';

/** A raw admin socket whose reading can be paused (the kernel buffers fill, then ws's). */
async function pausableAdmin(wsUrl: string) {
  const ws = new WebSocket(`${wsUrl}?project=slowwatch`);
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((resolve) => ws.once('message', resolve)); // the welcome
  ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'auth.login', params: { token: ADMIN_TOKEN }, id: 0 }));
  await new Promise((resolve) => ws.once('message', resolve));
  const socket = (ws as unknown as { _socket: Socket })._socket;
  return { ws, frames, pause: () => socket.pause(), resume: () => socket.resume() };
}

describe('feedHighWaterMark', () => {
  it("holds a slow watcher's feed back while its unsent data is past the mark, then sends one coalesced diff: nothing lost", async () => {
    await using srv = await startTestServer({ feedHighWaterMark: 64 * 1024, sendHardLimit: 64 * 1024 * 1024, rateLimitPerSecond: 0 });
    const ballast = await Promise.all(Array.from({ length: 30 }, () => RawClient.connect(srv.wsUrl, { project: 'ballast' })));
    await Promise.all(ballast.map((c) => c.call('page.open', { pageId: 'p', title: 'y'.repeat(2_000) })));
    const admin = await pausableAdmin(srv.wsUrl);
    admin.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'sessions.watch', params: { projectFilter: 'Line' }, id: 1 }));
    await new Promise((resolve) => admin.ws.once('message', resolve));
    admin.pause();
    // Big answers it does not read pile up past the mark (past what the kernel buffers, too).
    for (let i = 2; i < 400; i++)
      admin.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'getSessionInfo', params: { projectFilter: 'ballast' }, id: i }));
    await sleep(300);
    // Ten changes, spread over more than two feed windows (250 ms each).
    await using user = await RawClient.connect(srv.wsUrl, { project: 'Line' });
    for (let i = 0; i < 10; i++) {
      await user.call('page.open', { pageId: `p${i}` });
      await sleep(60);
    }
    await sleep(400);
    admin.resume();
    const feed = () => admin.frames.filter((f) => f.method === 'sessions.changed');
    const deadline = Date.now() + 5_000;
    while (
      Date.now() < deadline &&
      !feed().some((f) => [...f.params.added, ...f.params.updated].some((s: any) => s.pageIds?.length === 10))
    )
      await sleep(50);
    const diffs = feed();
    const last = [...diffs.flatMap((f) => [...f.params.added, ...f.params.updated])].filter((s: any) => s.id === user.sessionId).at(-1);
    expect(last?.pageIds).toHaveLength(10); // nothing lost
    expect(diffs.length).toBeLessThanOrEqual(2); // held back and coalesced, not one per window
    admin.ws.terminate();
    await Promise.all(ballast.map((c) => c.close()));
  });
});

describe('closeTimeoutMs', () => {
  it('shutdown waits that long for a close handshake that never comes, then cuts the socket', async () => {
    const srv = await startTestServer({ closeTimeoutMs: 300 });
    const ws = new WebSocket(`${srv.wsUrl}?project=stuck`);
    await new Promise((resolve) => ws.once('message', resolve));
    (ws as unknown as { _socket: Socket })._socket.pause(); // never answers the close frame
    const gone = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const t0 = Date.now();
    await srv.close();
    const took = Date.now() - t0;
    (ws as unknown as { _socket: Socket })._socket.resume();
    expect(took).toBeGreaterThanOrEqual(250); // it did wait for the handshake
    expect(took).toBeLessThan(1_500); // but not the default 2 s
    await gone; // and the socket is gone, though the client never answered
  });
});

describe('jwtClockToleranceSec', () => {
  const expiredTenSecondsAgo = () =>
    signJwt({ sub: 'late', preferred_username: 'late' }, { expiresAt: Math.floor(Date.now() / 1000) - 10 });

  it('accepts a token expired 10 s ago with the default 30 s tolerance', async () => {
    await using srv = await startTestServer();
    await using c = await RawClient.connect(srv.wsUrl);
    expect(expectResult(await c.call('auth.login', { token: await expiredTenSecondsAgo() }))).toMatchObject({ username: 'late' });
  });

  it('refuses it with -32001 when the tolerance is 5 s', async () => {
    await using srv = await startTestServer({ jwtClockToleranceSec: 5 });
    await using c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call('auth.login', { token: await expiredTenSecondsAgo() }), -32001);
  });
});
