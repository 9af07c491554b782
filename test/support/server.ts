import { startServer, type RunningServer, type ServerOptions } from '@session-tracker/server';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

/** Starts a real server on 127.0.0.1 and a free port; dispose with `await using` or `close()`. */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
): Promise<RunningServer & AsyncDisposable> {
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
