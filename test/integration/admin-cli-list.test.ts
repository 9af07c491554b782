/**
 * `session-tracker sessions` over sessions.list: pages through every session by default (more
 * than one page of 1,000), --fields, --sort, --limit and --state, and bad values named with exit code 2.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient, sleep, waitFor } from '../support/ws-client.js';
import { userToken } from '../support/jwt.js';
import { cli, killClis } from '../support/cli.js';

afterEach(killClis);

describe('session-tracker sessions --fields --sort --limit', () => {
  it('pages through more than one page of sessions for json and csv, oldest first by default', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 5_000 });
    const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
    // 1,100 sessions: over the 1,000 of one page. Batched so the server is not flooded at once.
    const clients: RawClient[] = [];
    for (let i = 0; i < 11; i++)
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(srv.wsUrl, { project: 'Many' })))));
    try {
      const json = JSON.parse((await cli(['sessions', '--format', 'json', '--project', 'Many'], env).done).stdout) as {
        id: string;
        creationTime: string;
      }[];
      expect(json).toHaveLength(1_100);
      expect(new Set(json.map((s) => s.id)).size).toBe(1_100);
      const times = json.map((s) => s.creationTime);
      expect([...times].sort()).toEqual(times);
      const csv = (
        await cli(['sessions', '--format', 'csv', '--project', 'Many', '--fields', 'project,username', '--sort', '-id'], env).done
      ).stdout
        .trimEnd()
        .split('\n');
      expect(csv[0]).toBe('id,project,username');
      expect(csv).toHaveLength(1_101);
      const ids = csv.slice(1).map((l) => JSON.parse(l.split(',')[0]!) as string);
      expect(ids).toEqual(
        clients
          .map((c) => c.sessionId)
          .sort()
          .reverse(),
      );
      expect(csv[1]).toMatch(/^"[^"]+","Many","Unauthenticated"$/);
    } finally {
      for (const c of clients) c.terminate();
    }
  });

  it('--fields narrows every format, --sort orders, --limit cuts', async () => {
    await using srv = await startTestServer();
    const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
    await using billy = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await billy.result('auth.login', { token: await userToken('billy') });
    await sleep(2);
    await using anna = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await anna.result('auth.login', { token: await userToken('anna') });

    const json = JSON.parse(
      (await cli(['sessions', '--format', 'json', '--project', 'Plant', '--fields', 'username', '--sort', 'username'], env).done).stdout,
    );
    expect(json).toEqual([
      { id: anna.sessionId, username: 'anna' },
      { id: billy.sessionId, username: 'billy' },
    ]);
    const limited = JSON.parse(
      (await cli(['sessions', '--format', 'json', '--project', 'Plant', '--sort', '-creationTime', '--limit', '1'], env).done).stdout,
    );
    expect(limited.map((s: { id: string }) => s.id)).toEqual([anna.sessionId]);
    expect(limited[0]).toHaveProperty('pageIds');

    const table = (await cli(['sessions', '--project', 'Plant', '--fields', 'username,project', '--sort', '-username'], env).done).stdout
      .trimEnd()
      .split('\n');
    expect(table[0]).toMatch(/^id\s+username\s+project$/);
    expect(table[1]).toMatch(new RegExp(`^${billy.sessionId}\\s+billy\\s+Plant$`));
    expect(table[3]).toBe('2 sessions');
    // Without --fields the table keeps its columns.
    const full = (await cli(['sessions', '--project', 'Plant', '--limit', '1'], env).done).stdout.trimEnd().split('\n');
    expect(full[0]).toMatch(/^ID\s+USER\s+PROJECT/);
    expect(full.at(-1)).toBe('1 session');
  });

  it('--state lists only the connected or the disconnected sessions', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 30_000 });
    const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
    await using here = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    const gone = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await gone.close();
    const ids = async (state: string) => {
      const out = (await cli(['sessions', '--format', 'json', '--project', 'Plant', '--fields', 'state', '--state', state], env).done)
        .stdout;
      return JSON.parse(out) as { id: string; state: string }[];
    };
    await waitFor(async () => ((await ids('disconnected')).length === 1 ? true : undefined), 10_000, 50, 'one disconnected');
    expect(await ids('disconnected')).toEqual([{ id: gone.sessionId, state: 'disconnected' }]);
    expect(await ids('connected')).toEqual([{ id: here.sessionId, state: 'connected' }]);
    const bad = await cli(['sessions', '--state', 'idle'], env).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('state');
    expect((await cli(['sessions', '--watch', '--state', 'connected'], env).done).code).toBe(2);
  });

  it('names a bad field, sort or limit with exit code 2', async () => {
    await using srv = await startTestServer();
    const env = { SESSION_TRACKER_URL: srv.wsUrl, SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN };
    const badField = await cli(['sessions', '--format', 'json', '--fields', 'username,userName'], env).done;
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('"userName"');
    const badSort = await cli(['sessions', '--sort', 'pages'], env).done;
    expect(badSort.code).toBe(2);
    expect(badSort.stderr).toContain('sort');
    for (const limit of ['0', '-3', 'ten', '1.5']) {
      const r = await cli(['sessions', '--limit', limit], env).done;
      expect(r.code, limit).toBe(2);
      expect(r.stderr, limit).toContain('--limit');
    }
    const withWatch = await cli(['sessions', '--watch', '--sort', 'id'], env).done;
    expect(withWatch.code).toBe(2);
    expect((await cli(['sessions', '--format', 'dataset', '--fields', 'id'], env).done).code).toBe(2);
  });
});
