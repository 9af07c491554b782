/**
 * Contract 1.1: named params are strict (a name the method does not define gets -32602 naming
 * it; a misspelt filter never widens a query), and the errors say what was wrong in the form
 * the caller used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_METHODS, METHOD_NAMES, type MethodName } from '@session-tracker/shared';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { connectAdmin, expectError, expectResult } from '../support/contract.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;
let admin: RawClient;
let user: RawClient;

beforeAll(async () => {
  srv = await startTestServer();
  admin = await connectAdmin(srv, { project: 'Admin' });
  user = await RawClient.connect(srv.wsUrl, { project: 'X' });
  expectResult(await user.call('page.open', { pageId: 'p1', path: '/a' }));
});

afterAll(async () => {
  await user?.close();
  await admin?.close();
  await srv?.close();
});

/** Params each method accepts, so that one added name is the only thing wrong. */
function validParams(method: MethodName): Record<string, unknown> {
  switch (method) {
    case 'page.open':
      return { path: '/x' };
    case 'page.update':
    case 'page.close':
      return { pageId: 'nope' };
    case 'auth.login':
      return { token: 'not-a-token' };
    case 'sessions.unwatch':
      return { subscription: 'nope' };
    case 'sessions.close':
      return { sessionId: 'nope' };
    case 'pages.close':
      return { sessionId: 'nope', pageId: 'nope' };
    case 'session.sendMessage':
      return { sessionId: 'nope', type: 't' };
    default:
      return {};
  }
}

describe('strict named params: an unknown name gets -32602 naming it', () => {
  it.each(METHOD_NAMES)('%s', async (method) => {
    const caller = ADMIN_METHODS.has(method) ? admin : user;
    const r = await caller.call(method, { ...validParams(method), bogusName: 1 });
    expectError(r, -32602);
    expect(r.error!.message).toContain('bogusName');
    expect(r.error!.message).toMatch(/unknown name/);
  });

  it('a misspelt filter never widens a query: {"userFilter":"billy"} is an error, not every session', async () => {
    const r = await admin.call('getSessionInfo', { userFilter: 'billy' });
    expectError(r, -32602);
    expect(r.error!.message).toMatch(
      /^Invalid params: userFilter: unknown name \(did you mean usernameFilter\?\); getSessionInfo takes usernameFilter, projectFilter, format, scope/,
    );
    for (const m of ['getSessionStats', 'sessions.watch'] as const) {
      const w = await admin.call(m, { userFilter: 'billy' });
      expectError(w, -32602);
      expect(w.error!.message).toContain('userFilter');
    }
  });

  it('{"projectfilter":"X"} is an error that suggests projectFilter', async () => {
    const r = await admin.call('getSessionInfo', { projectfilter: 'X' });
    expectError(r, -32602);
    expect(r.error!.message).toContain('projectfilter: unknown name (did you mean projectFilter?)');
  });

  it('methods without params say so', async () => {
    const r = await user.call('session.self', { verbose: true });
    expectError(r, -32602);
    expect(r.error!.message).toBe('Invalid params: verbose: unknown name (session.self takes no params)');
    const a = await user.call('session.ping', [1]);
    expectError(a, -32602);
    expect(a.error!.message).toBe('Invalid params: session.ping takes no params');
    // Still fine: nothing, {} or [].
    for (const p of [undefined, {}, []]) expectResult(await user.call('session.ping', p));
  });

  it('the defined names still work, and the positional form is unchanged', async () => {
    expect(
      expectResult(await admin.call('getSessionInfo', { usernameFilter: null, projectFilter: 'X', format: 'list', scope: 'node' })),
    ).toHaveLength(1);
    expect(expectResult(await admin.call('getSessionInfo', [null, 'X']))).toHaveLength(1);
    expectError(await admin.call('getSessionInfo', [null, 'X', 'extra']), -32602);
  });
});

describe('error texts', () => {
  it('named-param callers are told about their object, never "params: must be array"', async () => {
    const r = await admin.call('getSessionInfo', { usernameFilter: 5 });
    expectError(r, -32602);
    expect(r.error!.message).not.toMatch(/array/);
    expect(r.error!.message).toBe('Invalid params: usernameFilter: must be a string or null');
  });

  it('positional callers are told about their array', async () => {
    const r = await admin.call('getSessionInfo', [5]);
    expectError(r, -32602);
    expect(r.error!.message).toBe('Invalid params: params[0]: must be a string or null');
  });

  it('a bad format lists the allowed values', async () => {
    const r = await admin.call('getSessionInfo', { format: 'csv' });
    expectError(r, -32602);
    expect(r.error!.message).toBe('Invalid params: format: must be one of "list", "dataset"');
  });

  it('a method that takes names refuses an array, saying so', async () => {
    const r = await user.call('page.update', ['p1']);
    expectError(r, -32602);
    expect(r.error!.message).toBe('Invalid params: page.update takes its params by name (an object), not by position');
  });

  it('"Parse error" gives the position and, for an unescaped backslash, the fix', async () => {
    const text = String.raw`{"jsonrpc":"2.0","method":"getSessionInfo","params":{"usernameFilter":"bill\.smith"},"id":1}`;
    admin.sendRaw(text);
    const m = await admin.nextMessage((d) => d?.error?.code === -32700);
    expect(m.data.id).toBeNull();
    // V8 points at the character after the backslash.
    expect(m.data.error.message.startsWith(`Parse error: invalid JSON at position ${text.indexOf('\\.') + 1}: `)).toBe(true);
    expect(m.data.error.message).toContain(String.raw`"bill\\.smith"`);
  });

  it('a parse error never echoes the frame (it may hold a token)', async () => {
    for (const text of ['secret-token-abc', '{"jsonrpc":"2.0","method":"auth.login","params":{"token":secret-token-abc},"id":1}']) {
      admin.sendRaw(text);
      const m = await admin.nextMessage((d) => d?.error?.code === -32700);
      expect(m.data.error.message).toMatch(/^Parse error: invalid JSON/);
      expect(m.data.error.message).not.toContain('secret');
    }
  });
});
