/** examples/socket.io started as a user would: its chat clients are sessions with their bytes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';

const SERVER = fileURLToPath(new URL('../../examples/socket.io/server.mjs', import.meta.url));

describe('examples/socket.io', () => {
  let child: ChildProcess;
  let url = '';

  beforeAll(async () => {
    child = spawn(process.execPath, [SERVER], {
      env: { ...process.env, PORT: '0', SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    url = await waitFor(() => /listening on (http:\/\/\S+)\//.exec(out)?.[1], `the example to start (${out})`);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('lists each chat client as a session, counting its frames both ways', async () => {
    await using admin = await RawClient.connect(`${url.replace('http', 'ws')}/ws`, { project: 'Ops' });
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using tab = await RawClient.connect(`${url.replace('http', 'ws')}/ws`, { project: 'Chat' });
    const { ticket } = await tab.result('session.ticket');
    const alice = ioClient(url, { transports: ['websocket'], auth: { sessionTicket: ticket }, reconnection: false });
    const bob = ioClient(url, { transports: ['websocket'], auth: { project: 'Chat' }, reconnection: false });
    const sockets: Socket[] = [alice, bob];
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('connect', () => resolve(undefined)))));
    // From here on, each client's own count of its WebSocket frames.
    const frames = sockets.map((s) => {
      const ws = (s.io.engine.transport as unknown as { ws: WebSocket }).ws;
      const c = { sent: 0, received: 0 };
      ws.on('message', (d: Buffer) => (c.received += d.length));
      const send = ws.send.bind(ws);
      ws.send = ((d: string, ...rest: unknown[]) => {
        c.sent += Buffer.byteLength(d);
        return (send as (...a: unknown[]) => void)(d, ...rest);
      }) as typeof ws.send;
      return c;
    });
    const list = async () => (await admin.result('getSessionInfo', { projectFilter: 'Chat' })) as any[];
    await waitFor(async () => (await list()).length === 2, 'two chat sessions');
    const before = await list();
    await alice.emitWithAck('join', 'line1');
    await bob.emitWithAck('join', 'line1');
    const heard = new Promise((resolve) => bob.once('said', resolve));
    await alice.emitWithAck('say', { room: 'line1', text: 'pump 3 is back' });
    expect(await heard).toMatchObject({ text: 'pump 3 is back' });
    await waitFor(async () => frames[1]!.received > 0 && (await list()).length === 2, 'bob heard it');
    const after = await list();
    const byId = (l: any[], id: string) => l.find((s) => s.id === id);
    // Alice counts for the tab's session; Bob is a session of his own.
    const bobId = after.find((s) => s.id !== tab.sessionId).id;
    for (const [i, id] of [
      [0, tab.sessionId],
      [1, bobId],
    ] as const) {
      expect(byId(after, id).totalBytesSent - byId(before, id).totalBytesSent).toBe(frames[i]!.sent);
      expect(byId(after, id).totalBytesReceived - byId(before, id).totalBytesReceived).toBe(frames[i]!.received);
    }
    for (const s of sockets) s.close();
  });
});
