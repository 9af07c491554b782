/** Contract: "First frame: the server assigns the session". */
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { UUID_RE } from '../support/contract.js';

describe('session.welcome', () => {
  it('is the first frame, a notification with the documented params', async () => {
    await using srv = await startTestServer();
    const before = Date.now();
    // Do not wait for the welcome in connect(): look at the very first frame ourselves.
    const c = await RawClient.connect(srv.wsUrl, { awaitWelcome: false });
    const first = await c.nextMessage(() => true, 5_000);
    const after = Date.now();
    expect(c.received[0]).toBe(first);
    expect(first.binary).toBe(false);
    const msg = first.data;
    expect(msg.jsonrpc).toBe('2.0');
    expect(msg.method).toBe('session.welcome');
    expect('id' in msg, 'a notification has no id').toBe(false);
    const p = msg.params;
    expect(p.sessionId).toMatch(UUID_RE);
    expect(typeof p.resumeToken).toBe('string');
    expect(p.resumeToken.length).toBeGreaterThan(0);
    expect(p.resumed).toBe(false);
    expect(p.heartbeatMs).toBe(15_000);
    expect(Number.isInteger(p.serverTime)).toBe(true);
    expect(p.serverTime).toBeGreaterThanOrEqual(before - 2_000);
    expect(p.serverTime).toBeLessThanOrEqual(after + 2_000);
    await c.close();
  });

  it('comes before the response to a request sent right after the socket opens', async () => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl, { awaitWelcome: false });
    const response = c.call('session.self');
    await response;
    expect(c.received[0]?.data?.method).toBe('session.welcome');
    await c.close();
  });

  it('reports the configured heartbeatMs', async () => {
    await using srv = await startTestServer({ heartbeatMs: 2_500 });
    const c = await RawClient.connect(srv.wsUrl);
    expect(c.welcome.heartbeatMs).toBe(2_500);
    await c.close();
  });

  it('gives each new socket its own session ID and resume token; the token is opaque', async () => {
    await using srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl);
    expect(a.welcome.sessionId).not.toBe(b.welcome.sessionId);
    expect(a.welcome.resumeToken).not.toBe(b.welcome.resumeToken);
    // A secret, not the session ID itself.
    expect(a.welcome.resumeToken).not.toBe(a.welcome.sessionId);
    expect(a.welcome.resumeToken.includes(a.welcome.sessionId)).toBe(false);
    // The welcome's sessionId is the session's `id`.
    expect((await a.call('session.self')).result.id).toBe(a.welcome.sessionId);
    await a.close();
    await b.close();
  });

  it('a resumed socket gets a full welcome too, with resumed:true', async () => {
    await using srv = await startTestServer({ heartbeatMs: 3_000 });
    const a = await RawClient.connect(srv.wsUrl);
    const before = Date.now();
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.received[0]?.data?.method).toBe('session.welcome');
    expect(b.welcome).toMatchObject({ sessionId: a.sessionId, resumeToken: a.welcome.resumeToken, resumed: true, heartbeatMs: 3_000 });
    expect(Math.abs(b.welcome.serverTime - before)).toBeLessThan(5_000);
    await a.close();
    await b.close();
  });

  it('is sent once: no second welcome follows', async () => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl);
    await c.call('session.self');
    await sleep(100);
    expect(c.received.filter((e) => e.data?.method === 'session.welcome')).toHaveLength(1);
    await c.close();
  });
});
