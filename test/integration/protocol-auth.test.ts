/** Contract: auth.login / auth.logout, admin rights, `authorized`, and the auth error codes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, exportSPKI, generateKeyPair } from 'jose';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { expectError, expectResult } from '../support/contract.js';
import { signJwt, userToken } from '../support/jwt.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

const self = async (c: RawClient) => expectResult(await c.call('session.self'));
const nowSec = () => Math.floor(Date.now() / 1000);

describe('auth.login with the admin token', () => {
  it('logs in as an admin: authorized, and getSessionInfo is allowed', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const login = expectResult(await c.call('auth.login', { token: ADMIN_TOKEN }));
    expect(typeof login.username).toBe('string');
    expect(login.username.length).toBeGreaterThan(0);
    expect(login.username).not.toBe('Unauthenticated');
    expect(Array.isArray(login.roles)).toBe(true);
    expect(login.authorized).toBe(true);
    const list = expectResult(await c.call('getSessionInfo'));
    expect(Array.isArray(list)).toBe(true);
    const info = await self(c);
    expect(info.username).toBe(login.username);
    expect(info.authorized).toBe(true);
    await c.close();
  });

  it('a wrong admin token gets -32001', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call('auth.login', { token: `${ADMIN_TOKEN}x` }), -32001);
    expectError(await c.call('auth.login', { token: 'not-a-token' }), -32001);
    expect((await self(c)).username).toBe('Unauthenticated');
    await c.close();
  });
});

describe('auth.login with a JWT', () => {
  it("takes the username from preferred_username, roles from roles; roles ['admin'] is an admin", async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const token = await signJwt({ sub: 'u-123', preferred_username: 'alice', roles: ['admin'] });
    const login = expectResult(await c.call('auth.login', { token }));
    expect(login.username).toBe('alice');
    expect(login.roles).toEqual(['admin']);
    expect(login.authorized).toBe(true);
    expect(Array.isArray(expectResult(await c.call('getSessionInfo')))).toBe(true);
    const info = await self(c);
    expect(info.username).toBe('alice');
    expect(info.authorized).toBe(true);
    await c.close();
  });

  it('falls back to sub when there is no preferred_username', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const token = await signJwt({ sub: 'bob-the-sub', roles: ['operator'] });
    const login = expectResult(await c.call('auth.login', { token }));
    expect(login.username).toBe('bob-the-sub');
    expect(login.roles).toEqual(['operator']);
    expect((await self(c)).username).toBe('bob-the-sub');
    await c.close();
  });

  it('a JWT without an admin role logs in but getSessionInfo gets -32003', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const login = expectResult(await c.call('auth.login', { token: await userToken('carol', ['operator', 'viewer']) }));
    expect(login.username).toBe('carol');
    expect(login.roles).toEqual(['operator', 'viewer']);
    expect(login.authorized).toBe(true);
    expectError(await c.call('getSessionInfo'), -32003);
    expectError(await c.call('getSessionInfo', ['.*']), -32003);
    expectError(await c.call('getSessionInfo', { format: 'dataset' }), -32003);
    // session.self still works.
    const info = await self(c);
    expect(info.username).toBe('carol');
    expect(info.authorized).toBe(true);
    await c.close();
  });

  it('a JWT with no roles claim logs in with roles []', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const token = await signJwt({ sub: 'dave' });
    const login = expectResult(await c.call('auth.login', { token }));
    expect(login.username).toBe('dave');
    expect(login.roles).toEqual([]);
    expectError(await c.call('getSessionInfo'), -32003);
    await c.close();
  });

  it('a role name that merely contains "admin" is not the admin role', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: await userToken('eve', ['administrator', 'Admin', 'not-admin']) }));
    expectError(await c.call('getSessionInfo'), -32003);
    await c.close();
  });
});

describe('unauthenticated', () => {
  it('username "Unauthenticated", authorized false, getSessionInfo -32003', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const info = await self(c);
    expect(info.username).toBe('Unauthenticated');
    expect(info.authorized).toBe(false);
    expectError(await c.call('getSessionInfo'), -32003);
    expectError(await c.call('getSessionInfo', [null, null]), -32003);
    expect(c.isOpen).toBe(true);
    await c.close();
  });
});

describe('failed logins: -32001, and the previous login stays', () => {
  async function loggedInAdminJwt(): Promise<RawClient> {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: await userToken('frank', ['admin']) }));
    return c;
  }

  async function expectStillFrank(c: RawClient) {
    const info = await self(c);
    expect(info.username).toBe('frank');
    expect(info.authorized).toBe(true);
    expect(Array.isArray(expectResult(await c.call('getSessionInfo')))).toBe(true);
  }

  it('a bad signature', async () => {
    const c = await loggedInAdminJwt();
    const forged = await signJwt({ sub: 'mallory', roles: ['admin'] }, { secret: 'some-other-secret-that-is-long-enough-xyz' });
    expectError(await c.call('auth.login', { token: forged }), -32001);
    await expectStillFrank(c);
    await c.close();
  });

  it('a tampered payload', async () => {
    const c = await loggedInAdminJwt();
    const good = await userToken('grace', []);
    const [h, , s] = good.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'grace', preferred_username: 'grace', roles: ['admin'] })).toString('base64url');
    expectError(await c.call('auth.login', { token: `${h}.${payload}.${s}` }), -32001);
    await expectStillFrank(c);
    await c.close();
  });

  it('an expired token', async () => {
    const c = await loggedInAdminJwt();
    const expired = await signJwt({ sub: 'old', roles: ['admin'] }, { expiresAt: nowSec() - 600 });
    expectError(await c.call('auth.login', { token: expired }), -32001);
    await expectStillFrank(c);
    await c.close();
  });

  it('an unsigned token (alg none)', async () => {
    const c = await loggedInAdminJwt();
    const unsigned = new UnsecuredJWT({ sub: 'none', roles: ['admin'] }).setIssuedAt().setExpirationTime('1h').encode();
    expectError(await c.call('auth.login', { token: unsigned }), -32001);
    await expectStillFrank(c);
    await c.close();
  });

  it('garbage and a wrong admin token', async () => {
    const c = await loggedInAdminJwt();
    expectError(await c.call('auth.login', { token: 'a.b.c' }), -32001);
    expectError(await c.call('auth.login', { token: 'wrong-admin-token' }), -32001);
    await expectStillFrank(c);
    await c.close();
  });

  it('a failed login while unauthenticated leaves the session unauthenticated', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const expired = await signJwt({ sub: 'old' }, { expiresAt: nowSec() - 600 });
    expectError(await c.call('auth.login', { token: expired }), -32001);
    const info = await self(c);
    expect(info.username).toBe('Unauthenticated');
    expect(info.authorized).toBe(false);
    await c.close();
  });

  it('a login with missing or non-string token gets -32602 and keeps the login', async () => {
    const c = await loggedInAdminJwt();
    expectError(await c.call('auth.login', {}), -32602);
    expectError(await c.call('auth.login', { token: 12 }), -32602);
    await expectStillFrank(c);
    await c.close();
  });
});

describe('a second login replaces the first', () => {
  it('admin, then non-admin JWT: no longer an admin', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: ADMIN_TOKEN }));
    expectResult(await c.call('getSessionInfo'));
    expectResult(await c.call('auth.login', { token: await userToken('henry', ['viewer']) }));
    expect((await self(c)).username).toBe('henry');
    expectError(await c.call('getSessionInfo'), -32003);
    await c.close();
  });
});

describe('auth.logout', () => {
  it('answers {username:"Unauthenticated"} and drops the login and admin rights', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: await userToken('ivan', ['admin']) }));
    const out = expectResult(await c.call('auth.logout'));
    expect(out.username).toBe('Unauthenticated');
    const info = await self(c);
    expect(info.username).toBe('Unauthenticated');
    expect(info.authorized).toBe(false);
    expectError(await c.call('getSessionInfo'), -32003);
    await c.close();
  });

  it('works when not logged in', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expect(expectResult(await c.call('auth.logout')).username).toBe('Unauthenticated');
    await c.close();
  });

  it('after logout with the admin token, admin methods are forbidden', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: ADMIN_TOKEN }));
    expectResult(await c.call('auth.logout'));
    expectError(await c.call('getSessionInfo'), -32003);
    await c.close();
  });
});

describe("the login is the session's: shared by its sockets", () => {
  it('a second tab (resume) shares the login', async () => {
    const a = await RawClient.connect(srv.wsUrl);
    expectResult(await a.call('auth.login', { token: await userToken('judy', ['admin']) }));
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(true);
    const info = await self(b);
    expect(info.username).toBe('judy');
    expect(info.authorized).toBe(true);
    expectResult(await b.call('getSessionInfo'));
    // Logging out on one tab logs the session out.
    expectResult(await b.call('auth.logout'));
    expect((await self(a)).username).toBe('Unauthenticated');
    expectError(await a.call('getSessionInfo'), -32003);
    await a.close();
    await b.close();
  });
});

describe('configured admin roles', () => {
  it("adminRoles ['ops']: a JWT with 'ops' is an admin and one with only 'admin' is not", async () => {
    await using s = await startTestServer({ adminRoles: ['ops', 'root'] });
    const ops = await RawClient.connect(s.wsUrl);
    expectResult(await ops.call('auth.login', { token: await userToken('kim', ['viewer', 'ops']) }));
    expectResult(await ops.call('getSessionInfo'));
    const root = await RawClient.connect(s.wsUrl);
    expectResult(await root.call('auth.login', { token: await userToken('lee', ['root']) }));
    expectResult(await root.call('getSessionInfo'));
    const plain = await RawClient.connect(s.wsUrl);
    expectResult(await plain.call('auth.login', { token: await userToken('max', ['admin']) }));
    expectError(await plain.call('getSessionInfo'), -32003);
    // The admin token stays an admin.
    const tokenAdmin = await RawClient.connect(s.wsUrl);
    expectResult(await tokenAdmin.call('auth.login', { token: ADMIN_TOKEN }));
    expectResult(await tokenAdmin.call('getSessionInfo'));
    for (const c of [ops, root, plain, tokenAdmin]) await c.close();
  });
});

describe('JWT signed with a public-key algorithm (jwtPublicKey)', () => {
  it('verifies an RS256 token against the configured PEM key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    await using s = await startTestServer({ jwtPublicKey: pem });
    const c = await RawClient.connect(s.wsUrl);
    const token = await new SignJWT({ sub: 'rsa-user', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const login = expectResult(await c.call('auth.login', { token }));
    expect(login.username).toBe('rsa-user');
    expectResult(await c.call('getSessionInfo'));
    // A token signed by another key is refused.
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'forger', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(other.privateKey);
    expectError(await c.call('auth.login', { token: forged }), -32001);
    expect((await self(c)).username).toBe('rsa-user');
    await c.close();
  });
});
