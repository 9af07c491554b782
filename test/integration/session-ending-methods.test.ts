/**
 * The fuzz tests leave out SESSION_ENDING_METHODS (test/support/session-ending.ts) because a
 * success ends the caller's socket: each one listed does, called on the caller's own session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '@session-tracker/shared';
import { SESSION_ENDING_CALLS, SESSION_ENDING_METHODS } from '../support/session-ending.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient, closedWithin } from '../support/ws-client.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;

beforeAll(async () => {
  srv = await startTestServer();
});

afterAll(async () => {
  await srv?.close();
});

describe('methods that end the caller’s session', () => {
  it('lists session.end and sessions.close', () => {
    expect([...SESSION_ENDING_METHODS].sort()).toEqual(['session.end', 'sessions.close']);
  });

  it.each(SESSION_ENDING_METHODS)('%s on the caller’s own session closes its socket with 4000', async (method) => {
    await using c = await RawClient.connect(srv.wsUrl);
    await c.result('auth.login', { token: ADMIN_TOKEN });
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: SESSION_ENDING_CALLS[method](c.sessionId) }));
    expect((await closedWithin(c, 5_000))?.code).toBe(CloseCode.TerminatedByAdmin);
  });
});
