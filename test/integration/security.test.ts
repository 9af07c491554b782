import { createHmac, generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { exportSPKI, SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../server/src/log.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { expectError, expectResult } from '../support/contract.js';
import { signJwt } from '../support/jwt.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('JWT logins: algorithms pinned to the configured key', () => {
  it('refuses alg "none"', async () => {
    await using srv = await startTestServer();
    await using c = await RawClient.connect(srv.wsUrl);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', roles: ['admin'], exp: now() + 60 })}.`;
    expectError(await c.call('auth.login', { token: unsigned }), -32001);
    expectResult(await c.call('session.self')); // still there, still unauthenticated
    expect(expectResult(await c.call('session.self')).username).toBe('Unauthenticated');
  });

  it('refuses HS256 signed with the RSA public key as the secret (key confusion)', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await using srv = await startTestServer({ jwtSecret: undefined, jwtPublicKey: pem });
    await using c = await RawClient.connect(srv.wsUrl);
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    const body = b64({ sub: 'mallory', roles: ['admin'], exp: now() + 60 });
    const sig = createHmac('sha256', pem).update(`${head}.${body}`).digest('base64url');
    expectError(await c.call('auth.login', { token: `${head}.${body}.${sig}` }), -32001);
  });

  it('accepts RS256 and ES256 tokens from the configured public key, and nothing signed by another key', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const other = await generateKeyPair(alg);
      await using srv = await startTestServer({ jwtSecret: undefined, jwtPublicKey: await exportSPKI(publicKey) });
      await using c = await RawClient.connect(srv.wsUrl);
      const sign = (key: CryptoKey) =>
        new SignJWT({ preferred_username: 'ops', roles: ['admin'] })
          .setProtectedHeader({ alg })
          .setSubject('u1')
          .setExpirationTime('5m')
          .sign(key);
      expectError(await c.call('auth.login', { token: await sign(other.privateKey) }), -32001);
      expect(expectResult(await c.call('auth.login', { token: await sign(privateKey) }))).toEqual({
        username: 'ops',
        roles: ['admin'],
        authorized: true,
      });
      expect(Array.isArray(expectResult(await c.call('getSessionInfo', [])))).toBe(true);
      // An HS256 token is refused when only a public key is configured.
      expectError(await c.call('auth.login', { token: await signJwt({ sub: 'x' }) }), -32001);
    }
  });

  it('honours exp and nbf with a small clock tolerance', async () => {
    await using srv = await startTestServer({ jwtClockToleranceSec: 30 });
    await using c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: await signJwt({ sub: 'a' }, { expiresAt: now() - 10 }) }));
    const expired = await c.call('auth.login', { token: await signJwt({ sub: 'b' }, { expiresAt: now() - 120 }) });
    expectError(expired, -32001);
    expect(expired.error?.message).toMatch(/expired/);
    const notYet = await new SignJWT({ sub: 'c' })
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore(now() + 120)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('test-jwt-secret-that-is-long-enough-0123456789'));
    expectError(await c.call('auth.login', { token: notYet }), -32001);
    expect(expectResult(await c.call('session.self')).username).toBe('a');
  });

  it('never echoes a token in an error', async () => {
    await using srv = await startTestServer();
    await using c = await RawClient.connect(srv.wsUrl);
    const secretish = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ';
    const r = await c.call('auth.login', { token: secretish });
    expectError(r, -32001);
    expect(JSON.stringify(r)).not.toContain('c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ');
    const r2 = await c.call('auth.login', { token: 'not-the-admin-token-but-close' });
    expect(JSON.stringify(r2)).not.toContain('not-the-admin-token-but-close');
  });
});

describe('resume tokens', () => {
  it('are long random secrets, different per session, and do not resume across projects', async () => {
    await using srv = await startTestServer();
    await using a = await RawClient.connect(srv.wsUrl, { project: 'A' });
    await using b = await RawClient.connect(srv.wsUrl, { project: 'A' });
    expect(a.welcome.resumeToken).not.toBe(b.welcome.resumeToken);
    expect(Buffer.from(a.welcome.resumeToken, 'base64url').length).toBeGreaterThanOrEqual(16);
    await using other = await RawClient.connect(srv.wsUrl, { project: 'B', resume: a.welcome.resumeToken });
    expect(other.welcome.resumed).toBe(false);
    expect(other.sessionId).not.toBe(a.sessionId);
    // A near-miss token does not resume either.
    const t = a.welcome.resumeToken;
    const flipped = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
    await using near = await RawClient.connect(srv.wsUrl, { project: 'A', resume: flipped });
    expect(near.welcome.resumed).toBe(false);
  });

  it('never appear in the logs, and neither do login tokens', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    await using srv = await startTestServer({ logger });
    const jwt = await signJwt({ sub: 'zed' });
    await using c = await RawClient.connect(srv.wsUrl);
    await c.call('auth.login', { token: jwt });
    await c.call('auth.login', { token: ADMIN_TOKEN });
    await c.call('auth.login', { token: 'wrong-token-value-123' });
    await using tab = await RawClient.connect(srv.wsUrl, { resume: c.welcome.resumeToken });
    await c.close();
    expect(logged).toContain('session.start');
    expect(logged).toContain('auth.login');
    for (const secret of [c.welcome.resumeToken, jwt, ADMIN_TOKEN, 'wrong-token-value-123']) expect(logged).not.toContain(secret);
    void tab;
  });
});

describe('only admins read other sessions', () => {
  it('gives a non-admin its own session and nothing else', async () => {
    await using srv = await startTestServer();
    await using a = await RawClient.connect(srv.wsUrl);
    await using b = await RawClient.connect(srv.wsUrl);
    const self = expectResult(await a.call('session.self'));
    expect(self.id).toBe(a.sessionId);
    expectError(await a.call('getSessionInfo', []), -32003);
    expectError(await a.call('getSessionInfo', { format: 'dataset' }), -32003);
    expectError(await a.call('sessions.watch', {}), -32003);
    void b;
  });
});
