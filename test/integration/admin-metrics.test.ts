import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { connectAdmin, connectWithToken } from '../support/contract.js';
import { userToken } from '../support/jwt.js';

function metric(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  it('exposes sessions by project/scope/state, users, pages, bytes, logins, errors and process metrics', async () => {
    await using srv = await startTestServer();
    await using a = await connectWithToken(srv, await userToken('ann'), { project: 'Plant', scope: 'designer' });
    await a.call('page.open', { pageId: 'p' });
    await using anon = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    anon.sendRaw('{not json');
    await anon.nextMessage((d) => d?.error?.code === -32700);
    expect((await anon.call('auth.login', { token: 'wrong-token' })).error?.code).toBe(-32001);
    await using admin = await connectAdmin(srv, { project: 'Ops' });

    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(metric(text, 'session_tracker_sessions', '{project="Plant",scope="designer",state="connected"}')).toBe(1);
    expect(metric(text, 'session_tracker_sessions', '{project="Plant",scope="browser",state="connected"}')).toBe(1);
    expect(metric(text, 'session_tracker_sessions', '{project="Ops",scope="browser",state="connected"}')).toBe(1);
    expect(metric(text, 'session_tracker_users')).toBe(2);
    expect(metric(text, 'session_tracker_pages')).toBe(1);
    expect(metric(text, 'session_tracker_logins_total', '{result="success"}')).toBe(2);
    expect(metric(text, 'session_tracker_logins_total', '{result="failure"}')).toBe(1);
    expect(metric(text, 'session_tracker_protocol_errors_total', '{code="-32700"}')).toBe(1);
    expect(metric(text, 'session_tracker_received_messages_total')).toBeGreaterThanOrEqual(5);
    expect(metric(text, 'session_tracker_received_bytes_total')).toBeGreaterThan(100);
    expect(metric(text, 'session_tracker_sent_messages_total')).toBeGreaterThanOrEqual(8);
    expect(text).toMatch(/session_tracker_nodejs_eventloop_lag_p99_seconds /);
    expect(text).toMatch(/session_tracker_process_resident_memory_bytes /);
    void admin;
  });

  it('needs the bearer token when one is set', async () => {
    await using srv = await startTestServer({ metricsToken: 'metrics-secret' });
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const ok = await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('session_tracker_sessions');
  });

  it('folds project labels past 50 into _other, so clients cannot explode cardinality', async () => {
    await using srv = await startTestServer();
    const clients = await Promise.all(Array.from({ length: 60 }, (_, i) => RawClient.connect(srv.wsUrl, { project: `p${i}` })));
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const lines = text.split('\n').filter((l) => l.startsWith('session_tracker_sessions{'));
    expect(lines.length).toBe(51);
    expect(metric(text, 'session_tracker_sessions', '{project="_other",scope="browser",state="connected"}')).toBe(10);
    await Promise.all(clients.map((c) => c.close()));
  });
});
