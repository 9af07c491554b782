import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { connectAdmin, listSessions } from '../support/contract.js';
import { userToken } from '../support/jwt.js';
import { formatTable, humanBytes, humanDuration } from '../../server/src/cli/format.js';
import { cli, killClis } from '../support/cli.js';

afterEach(killClis);

async function fixture() {
  const srv = await startTestServer();
  const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
  const billy = await RawClient.connect(srv.wsUrl, {
    project: 'MyProject',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  });
  await billy.call('auth.login', { token: await userToken('billy') });
  await billy.call('page.open', { pageId: 'home', path: '/home' });
  const other = await RawClient.connect(srv.wsUrl, { project: 'Other' });
  return {
    srv,
    env,
    billy,
    other,
    async [Symbol.asyncDispose]() {
      await billy.close();
      await other.close();
      await srv.close();
    },
  };
}

describe('session-tracker sessions / stats / close', () => {
  it('prints an aligned table by default, filtered by user and project regex', async () => {
    await using f = await fixture();
    const { code, stdout } = await cli(['sessions', '--user', 'bi.*', '--project', 'My.*'], f.env).done;
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USER\s+PROJECT\s+SCOPE\s+DEVICE\s+ADDRESS\s+UPTIME\s+LAST COMM\s+PAGES\s+SENT\s+AUTH\s+STATE$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(f.billy.sessionId);
    expect(lines[1]).toMatch(/billy\s+MyProject\s+browser\s+Chrome 126 \/ Windows 10\s+127\.0\.0\.1/);
    expect(lines[2]).toBe('1 session');
    // Columns line up: every row's USER column starts where the header's does.
    expect(lines[1]?.indexOf('billy')).toBe(lines[0]?.indexOf('USER'));
  });

  it('prints JSON, CSV and the 7.9 dataset', async () => {
    await using f = await fixture();
    const json = JSON.parse((await cli(['sessions', '--format', 'json', '--project', 'MyProject'], f.env).done).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ id: f.billy.sessionId, username: 'billy', pageIds: ['home'] });
    const csv = (await cli(['sessions', '--format', 'csv', '--project', 'Other'], f.env).done).stdout.trimEnd().split('\n');
    expect(csv[0]).toMatch(/^id,username,project,/);
    expect(csv[1]).toContain(`"${f.other.sessionId}","Unauthenticated","Other"`);
    const ds = JSON.parse((await cli(['sessions', '--format', 'dataset', '--user', 'billy'], f.env).done).stdout);
    expect(ds.columns.map((c: { name: string }) => c.name)).toEqual([
      'username',
      'project',
      'address',
      'isDesigner',
      'clientId',
      'creationTime',
    ]);
    expect(ds.rows[0].slice(0, 5)).toEqual(['billy', 'MyProject', '127.0.0.1', false, f.billy.sessionId]);
  });

  it('prints stats, and leaves no CLI session behind', async () => {
    await using f = await fixture();
    const { code, stdout } = await cli(['stats'], f.env).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sessions\s+3\n/); // billy, other, and the CLI itself
    expect(stdout).toMatch(/users\s+2\n/);
    expect(stdout).toMatch(/MyProject\s+1/);
    await using admin = await connectAdmin(f.srv);
    expect((await listSessions(admin)).filter((s) => s.project === 'session-tracker-cli')).toEqual([]);
  });

  it('closes a session: its client is told and closed with 4000', async () => {
    await using f = await fixture();
    const { code, stdout } = await cli(['close', f.other.sessionId, '--message', 'shift change'], f.env).done;
    expect(code).toBe(0);
    expect(stdout).toContain(`closed ${f.other.sessionId}`);
    const note = await f.other.nextMessage((d) => d?.method === 'session.closing');
    expect(note.data.params.message).toBe('shift change');
    expect((await f.other.closed).code).toBe(4000);
  });

  it('watches: redraws as sessions come and go, and exits cleanly on SIGINT', async () => {
    await using f = await fixture();
    const w = cli(['sessions', '--watch', '--format', 'json', '--project', 'Watched'], f.env);
    const deadline = Date.now() + 5_000;
    while (!w.out().includes('[]') && Date.now() < deadline) await sleep(25);
    const c = await RawClient.connect(f.srv.wsUrl, { project: 'Watched' });
    while (!w.out().includes(c.sessionId) && Date.now() < deadline) await sleep(25);
    expect(w.out()).toContain(c.sessionId);
    await c.close();
    w.child.kill('SIGINT');
    expect((await w.done).code).toBe(0);
  });

  it('exits with clear messages and codes: bad regex 2, wrong token 3, unreachable 4, unknown session 5, no token 2', async () => {
    await using f = await fixture();
    const bad = await cli(['sessions', '--user', '('], f.env).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/usernameFilter: invalid regular expression/);
    const wrong = await cli(['stats', '--token', 'not-the-token-at-all'], f.env).done;
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/login refused/);
    const down = await cli(['stats', '--url', 'ws://127.0.0.1:1/ws'], f.env).done;
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot reach ws:\/\/127\.0\.0\.1:1\/ws/);
    const missing = await cli(['close', 'no-such-session'], f.env).done;
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/No such session/);
    const noToken = await cli(['stats'], { SESSION_TRACKER_URL: f.srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: '' }).done;
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/no admin token/);
  });
});

describe('human formats', () => {
  it('formats durations and sizes', () => {
    expect(humanDuration(850)).toBe('850ms');
    expect(humanDuration(42_000)).toBe('42s');
    expect(humanDuration(187_000)).toBe('3m 07s');
    expect(humanDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(humanDuration(50 * 3600_000)).toBe('2d 02h');
    expect(humanBytes(512)).toBe('512 B');
    expect(humanBytes(1536)).toBe('1.5 KiB');
    expect(humanBytes(12 * 1024 * 1024)).toBe('12.0 MiB');
    expect(formatTable([])).toMatch(/\n0 sessions\n$/);
  });
});
