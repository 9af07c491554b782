import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { startServer, type RunningServer, type ServerOptions } from '@session-tracker/server';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

/** Starts a real server on 127.0.0.1 and a free port; dispose with `await using` or `close()`. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<RunningServer & AsyncDisposable> {
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    adminToken: ADMIN_TOKEN,
    jwtSecret: JWT_SECRET,
    logLevel: 'silent',
    ...options,
  });
  return Object.assign(server, { [Symbol.asyncDispose]: () => server.close() });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range, for a test that stops a server and starts
 * another on the same port: a port from the ephemeral range (what port 0 gives) can be taken
 * in between as the local port of any outgoing connection, and the restart fails EADDRINUSE.
 */
export async function stablePort(): Promise<number> {
  let low = 32_768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: keep the common default
  }
  const bottom = 10_000;
  for (let i = 0; i < 100; i++) {
    const port = bottom + Math.floor(Math.random() * (low - bottom));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${bottom} and ${low}`);
}
