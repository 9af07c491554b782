/** Contract: Dataset (the 7.9 shape), for getSessionInfo `format: "dataset"`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { ISO_RE, UUID_RE, connectWithToken, expectError, expectResult } from '../support/contract.js';
import { userToken } from '../support/jwt.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;
let admin: RawClient;
let billy: RawClient;
let designer: RawClient;
let anon: RawClient;
let startedAt: number;

const COLUMNS = [
  { name: 'username', type: 'String' },
  { name: 'project', type: 'String' },
  { name: 'address', type: 'String' },
  { name: 'isDesigner', type: 'Boolean' },
  { name: 'clientId', type: 'String' },
  { name: 'creationTime', type: 'Date' },
];

beforeAll(async () => {
  startedAt = Date.now();
  srv = await startTestServer();
  admin = await connectWithToken(srv, await userToken('root', ['admin']), { project: 'Admin' });
  billy = await connectWithToken(srv, await userToken('billy'), { project: 'MyProject' });
  designer = await connectWithToken(srv, await userToken('dora'), { project: 'MyProject', scope: 'designer' });
  anon = await RawClient.connect(srv.wsUrl, { project: 'Other', scope: 'ios' });
});

afterAll(async () => {
  for (const c of [billy, designer, anon, admin]) await c?.close();
  await srv?.close();
});

async function dataset(params: Record<string, unknown>): Promise<any> {
  return expectResult(await admin.call('getSessionInfo', { ...params, format: 'dataset' }));
}

describe('format: "dataset"', () => {
  it('has exactly the six columns, in order, with their types', async () => {
    const ds = await dataset({});
    expect(ds.columns).toEqual(COLUMNS);
    expect(Array.isArray(ds.rows)).toBe(true);
  });

  it('has one row per session, values in column order and of the column types', async () => {
    const ds = await dataset({});
    expect(ds.rows).toHaveLength(4);
    for (const row of ds.rows) {
      expect(row).toHaveLength(6);
      const [username, project, address, isDesigner, clientId, creationTime] = row;
      expect(typeof username).toBe('string');
      expect(typeof project).toBe('string');
      expect(typeof address).toBe('string');
      expect(typeof isDesigner).toBe('boolean');
      expect(clientId).toMatch(UUID_RE);
      expect(creationTime).toMatch(ISO_RE);
      expect(Date.parse(creationTime)).toBeGreaterThanOrEqual(startedAt - 2_000);
      expect(Date.parse(creationTime)).toBeLessThanOrEqual(Date.now() + 2_000);
    }
  });

  it('rows carry the session values: clientId is the session id, address the client address', async () => {
    const ds = await dataset({});
    const row = ds.rows.find((r: any[]) => r[4] === billy.sessionId);
    expect(row).toBeDefined();
    expect(row.slice(0, 5)).toEqual(['billy', 'MyProject', '127.0.0.1', false, billy.sessionId]);
    const list = expectResult(await admin.call('getSessionInfo', { usernameFilter: 'billy' }));
    expect(list).toHaveLength(1);
    expect(row[5]).toBe(list[0].creationTime);
    const anonRow = ds.rows.find((r: any[]) => r[4] === anon.sessionId);
    expect(anonRow.slice(0, 5)).toEqual(['Unauthenticated', 'Other', '127.0.0.1', false, anon.sessionId]);
  });

  it('isDesigner is true for scope designer, false otherwise', async () => {
    const ds = await dataset({});
    const byId = new Map(ds.rows.map((r: any[]) => [r[4], r]));
    expect((byId.get(designer.sessionId) as any[])[3]).toBe(true);
    expect((byId.get(billy.sessionId) as any[])[3]).toBe(false);
    expect((byId.get(anon.sessionId) as any[])[3]).toBe(false);
    expect((byId.get(admin.sessionId) as any[])[3]).toBe(false);
  });

  it('applies the filters like the list form does', async () => {
    const ds = await dataset({ usernameFilter: 'b.*|d.*', projectFilter: 'MyProject' });
    expect(ds.columns).toEqual(COLUMNS);
    expect(ds.rows.map((r: any[]) => r[4]).sort()).toEqual([billy.sessionId, designer.sessionId].sort());
    const none = await dataset({ usernameFilter: 'nobody' });
    expect(none.columns).toEqual(COLUMNS);
    expect(none.rows).toEqual([]);
  });

  it('the same sessions as the list form, and format "list" is the list', async () => {
    const ds = await dataset({ projectFilter: 'MyProject|Other' });
    const list = expectResult(await admin.call('getSessionInfo', { projectFilter: 'MyProject|Other', format: 'list' }));
    expect(Array.isArray(list)).toBe(true);
    expect(ds.rows.map((r: any[]) => r[4]).sort()).toEqual(list.map((s: any) => s.id).sort());
  });

  it('an unknown format gets -32602', async () => {
    expectError(await admin.call('getSessionInfo', { format: 'csv' }), -32602);
    expectError(await admin.call('getSessionInfo', { format: 'Dataset' }), -32602);
  });

  it('is forbidden to non-admins like the list form (-32003)', async () => {
    expectError(await billy.call('getSessionInfo', { format: 'dataset' }), -32003);
    expectError(await anon.call('getSessionInfo', { format: 'dataset' }), -32003);
  });
});
