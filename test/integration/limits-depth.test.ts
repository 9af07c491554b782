/**
 * Contract 1.1: params nested deeper than 32 levels get -32602; nothing an admin sends can stop
 * the server. (Before: a session.sendMessage payload 5,000 deep, a 10 KB frame, was answered
 * {"delivered":1} and then JSON.stringify threw in a timer and ended the process.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { connectAdmin, expectError, expectResult, healthz } from '../support/contract.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;
let admin: RawClient;
let target: RawClient;

beforeAll(async () => {
  srv = await startTestServer();
  admin = await connectAdmin(srv);
  target = await RawClient.connect(srv.wsUrl);
});

afterAll(async () => {
  await target?.close();
  await admin?.close();
  await srv?.close();
});

/** JSON text of arrays nested `levels` deep around 1, built without JSON.stringify (which would overflow first). */
const deepArray = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const deepObject = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

function sendMessageFrame(id: number, payloadJson: string): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"session.sendMessage","params":{"sessionId":"${target.sessionId}","type":"t","payload":${payloadJson}}}`;
}

async function answer(client: RawClient, frame: string, id: number): Promise<any> {
  client.sendRaw(frame);
  return (await client.nextMessage((d) => d?.id === id)).data;
}

describe('params depth: 32 levels at most (params itself is level 1)', () => {
  it('a session.sendMessage payload 5,000 deep gets -32602, nothing is sent, and the server stays up', async () => {
    const frame = sendMessageFrame(1, deepArray(5_000));
    expect(frame.length).toBeLessThan(64 * 1024);
    const r = await answer(admin, frame, 1);
    expect(r.error).toEqual({ code: -32602, message: 'Invalid params: nested deeper than 32 levels' });
    // Give a timer the chance it had before, then check that everyone is still served.
    await sleep(50);
    expect(target.received.filter((m) => m.data?.method === 'session.message')).toHaveLength(0);
    expect((await healthz(srv)).status).toBe(200);
    expect(expectResult(await target.call('session.self')).id).toBe(target.sessionId);
    expect(expectResult(await admin.call('getSessionInfo')).map((s: any) => s.id)).toContain(target.sessionId);
  });

  it('32 levels pass and 33 do not (a payload is level 2)', async () => {
    const ok = await answer(admin, sendMessageFrame(2, deepObject(31)), 2);
    expect(ok.result).toEqual({ delivered: 1 });
    const m = await target.nextMessage((d) => d?.method === 'session.message');
    let depth = 0;
    for (let v = m.data.params.payload; typeof v === 'object'; v = v.a) depth++;
    expect(depth).toBe(31);
    const tooDeep = await answer(admin, sendMessageFrame(3, deepObject(32)), 3);
    expect(tooDeep.error.code).toBe(-32602);
  });

  it('applies to every method, before anything else reads the params, in batches too', async () => {
    const r = await answer(target, `{"jsonrpc":"2.0","id":4,"method":"page.open","params":{"title":${deepArray(40)}}}`, 4);
    expect(r.error.message).toBe('Invalid params: nested deeper than 32 levels');
    const positional = await answer(admin, `{"jsonrpc":"2.0","id":5,"method":"getSessionInfo","params":${deepArray(33)}}`, 5);
    expect(positional.error.code).toBe(-32602);
    target.sendRaw(
      `[{"jsonrpc":"2.0","id":6,"method":"session.ping","params":${deepArray(20_000)}},{"jsonrpc":"2.0","id":7,"method":"session.ping"}]`,
    );
    const batch = (await target.nextMessage((d) => Array.isArray(d))).data;
    expect(batch).toHaveLength(2);
    expectError(batch[0], -32602, 6);
    expectResult(batch[1]);
  });

  it('deep values outside params (an unknown envelope member) are never read and do no harm', async () => {
    const r = await answer(target, `{"jsonrpc":"2.0","id":8,"method":"session.ping","extra":${deepArray(20_000)}}`, 8);
    expect(typeof r.result.serverTime).toBe('number');
  });
});
