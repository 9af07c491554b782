/** `session-tracker history` and `session-tracker events`: the CLI over the socket, as a child process. */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { userToken } from '../support/jwt.js';
import { waitFor } from '../support/wait.js';
import { connectAdmin } from '../support/contract.js';
import { sinceToFrom } from '../../server/src/cli/history.js';
import { cli, killClis } from '../support/cli.js';

afterEach(killClis);

describe('session-tracker history / events', () => {
  it('lists ended sessions and events as a table, JSON and CSV, with --since and filters', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 50 });
    const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
    const billy = await RawClient.connect(srv.wsUrl, { project: 'Line1' });
    await billy.result('auth.login', { token: await userToken('billy') });
    await billy.result('page.open', { pageId: 'home', path: '/home', title: 'Home' });
    await billy.close();
    await using admin = await connectAdmin(srv);
    await waitFor(async () => (await admin.result('sessions.history', { projectFilter: 'Line1' })).sessions.length === 1, 'billy to end');

    const table = await cli(['history', '--since', '1h', '--project', 'Line.*'], env).done;
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ENDED\s+REASON\s+ID\s+USER\s+PROJECT\s+ADDRESS\s+LASTED\s+SENT\s+RECEIVED$/);
    expect(lines[1]).toMatch(new RegExp(`timeout\\s+${billy.welcome.sessionId}\\s+billy\\s+Line1\\s+127\\.0\\.0\\.1`));
    expect(lines.at(-1)).toBe('1 session');

    const json = JSON.parse((await cli(['history', '--format', 'json', '--user', 'billy'], env).done).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ id: billy.welcome.sessionId, endReason: 'timeout', totalBytesSent: billy.bytesSent });

    const events = await cli(['events', '--session', billy.welcome.sessionId, '--type', 'login,page.open', '--format', 'csv'], env).done;
    expect(events.code).toBe(0);
    const csv = events.stdout.trimEnd().split('\n');
    expect(csv[0]).toBe('at,type,sessionId,username,project,clientAddress,detail');
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual(['"page.open"', '"login"']);

    const limited = JSON.parse((await cli(['events', '--format', 'json', '--limit', '2'], env).done).stdout);
    expect(limited).toHaveLength(2);
  });

  it('says what is wrong with bad usage (exit 2)', async () => {
    await using srv = await startTestServer();
    const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
    const since = await cli(['history', '--since', 'yesterday'], env).done;
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since/);
    const type = await cli(['events', '--type', 'page.opened'], env).done;
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(/page\.opened/);
    const from = await cli(['history', '--from', 'not a time'], env).done;
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/from/);
  });

  it('reads --since durations', () => {
    expect(sinceToFrom('90s', 100_000)).toBe(10_000);
    expect(sinceToFrom('2h', 10 * 3_600_000)).toBe(8 * 3_600_000);
    expect(sinceToFrom('7d', 8 * 86_400_000)).toBe(86_400_000);
  });
});
