import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/ws-client.js';

const BIN = fileURLToPath(new URL('../../server/bin/session-tracker.js', import.meta.url));

interface Cli {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let err = '';
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, stderr: () => err, stdout: () => out };
}

async function until<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function started(cli: Cli): Promise<string> {
  return until(() => /listening on (http:\/\/[^\s]+)/.exec(cli.stderr())?.[1]);
}

describe('session-tracker serve (CLI)', () => {
  it('starts on embedded defaults with a generated admin token printed once, which works', async () => {
    const cli = run(['serve', '--port', '0', '--log-level', 'info']);
    const url = await started(cli);
    const token = await until(() => /Admin token[^\n]*\n\s+(\S+)/.exec(cli.stderr())?.[1]);
    expect(token.length).toBeGreaterThanOrEqual(32);
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', sessions: 0 });

    const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`);
    const login = await client.call('auth.login', { token });
    expect(login.result).toMatchObject({ username: 'admin', authorized: true });
    await client.close();
    // The token never shows up in the structured logs.
    expect(cli.stdout()).not.toContain(token);
    expect(cli.stdout()).toContain('"event":"session.start"');
  });

  it('reads options from SESSION_TRACKER_* env and flags win over env', async () => {
    const cli = run(['serve', '--port', '0', '--heartbeat', '1234'], {
      SESSION_TRACKER_ADMIN_TOKEN: 'env-admin-token-0123456789',
      SESSION_TRACKER_HEARTBEAT: '999',
      SESSION_TRACKER_LOG_LEVEL: 'silent',
    });
    const url = await started(cli);
    expect(cli.stderr()).not.toMatch(/Admin token/);
    const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`);
    expect(client.welcome.heartbeatMs).toBe(1234);
    expect((await client.call('auth.login', { token: 'env-admin-token-0123456789' })).result?.username).toBe('admin');
    await client.close();
  });

  it('shuts down gracefully on SIGTERM: 1001 to every socket, session.end with counters, exit 0', async () => {
    const cli = run(['serve', '--port', '0', '--admin-token', 'cli-admin-token-0123456789']);
    const url = await started(cli);
    const client = await RawClient.connect(`${url.replace('http', 'ws')}/ws`);
    await client.call('page.open', { pageId: 'p1' });
    const closed = client.closed;
    cli.child.kill('SIGTERM');
    const info = await closed;
    expect(info.code).toBe(1001);
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const end = cli
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"event":"session.end"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ sessionId: client.sessionId, reason: 'shutdown', messagesSent: 1 });
    expect(end[0]?.totalBytesSent).toBeGreaterThan(0);
  });

  it('documents every flag in --help', async () => {
    const cli = run(['serve', '--help']);
    await once(cli.child, 'exit');
    for (const flag of [
      'port',
      'host',
      'admin-token',
      'jwt-secret',
      'jwt-public-key',
      'admin-roles',
      'allowed-origins',
      'trust-proxy',
      'session-timeout',
      'heartbeat',
      'max-payload',
      'log-level',
    ]) {
      expect(cli.stdout()).toContain(`--${flag}`);
    }
  });

  it('refuses an unknown flag or a bad value with exit code 2 or 1 and a message', async () => {
    const bad = run(['serve', '--nope']);
    const [code] = (await once(bad.child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(bad.stderr()).toMatch(/nope/);
    const badValue = run(['serve', '--port', 'eighty']);
    const [code2] = (await once(badValue.child, 'exit')) as [number];
    expect(code2).toBe(1);
    expect(badValue.stderr()).toMatch(/--port takes a whole number/);
  });
});
