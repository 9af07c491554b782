import { describe, expect, it } from 'vitest';
import { connectAdmin } from '../support/contract.js';
import { RawClient } from '../support/ws-client.js';
import { startTestServer } from '../support/server.js';

// Contract 1.1: "liveness, strictness, tokens out of URLs" (session.ping, the resume subprotocol).
describe('1.1 session.ping', () => {
  it('answers {serverTime} and counts as a data message', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl, { project: 'pinger' });
    const before = Date.now();
    const { response, text } = await c.callWithText('session.ping');
    expect(response.error).toBeUndefined();
    expect(typeof response.result.serverTime).toBe('number');
    expect(response.result.serverTime).toBeGreaterThanOrEqual(before - 1);
    const info = (await admin.result('getSessionInfo', [null, 'pinger']))[0];
    expect(info.totalBytesSent).toBe(c.bytesSent);
    expect(info.recentBytesSent).toBe(Buffer.byteLength(text));
    await c.close();
  });

  it('takes an empty object or array as params, and nothing else', async () => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl);
    expect((await c.call('session.ping', {})).result.serverTime).toBeTypeOf('number');
    expect((await c.call('session.ping', [])).result.serverTime).toBeTypeOf('number');
    expect((await c.call('session.ping', [1])).error?.code).toBe(-32602);
    await c.close();
  });
});

describe('1.1 the resume token as a subprotocol', () => {
  it('selects session-tracker.v1 and resumes the session named by resume.<token>, never echoing the token', async () => {
    await using srv = await startTestServer();
    const first = await RawClient.connect(srv.wsUrl, { project: 'sub', protocols: ['session-tracker.v1'] });
    expect(first.ws.protocol).toBe('session-tracker.v1');
    expect(first.welcome.resumed).toBe(false);
    const second = await RawClient.connect(srv.wsUrl, {
      project: 'sub',
      protocols: ['session-tracker.v1', `resume.${first.welcome.resumeToken}`],
    });
    expect(second.ws.protocol).toBe('session-tracker.v1');
    expect(second.welcome.resumed).toBe(true);
    expect(second.welcome.sessionId).toBe(first.welcome.sessionId);
    await Promise.all([first.close(), second.close()]);
  });

  it('starts a new session for an unknown token offered as a subprotocol', async () => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl, { protocols: ['session-tracker.v1', 'resume.nosuchtoken'] });
    expect(c.welcome.resumed).toBe(false);
    await c.close();
  });

  it('still accepts ?resume= without any subprotocol', async () => {
    await using srv = await startTestServer();
    const first = await RawClient.connect(srv.wsUrl);
    expect(first.ws.protocol).toBe('');
    const second = await RawClient.connect(srv.wsUrl, { resume: first.welcome.resumeToken });
    expect(second.welcome.sessionId).toBe(first.welcome.sessionId);
    await Promise.all([first.close(), second.close()]);
  });
});
