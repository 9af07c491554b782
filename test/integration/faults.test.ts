import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { sleep } from '../support/ws-client.js';
import { connectAdmin, listSessions } from '../support/contract.js';

/** A client in its own process, so it can be killed without a close frame. */
function childClient(wsUrl: string) {
  const code = `
    const { WebSocket } = require('ws');
    const ws = new WebSocket(process.argv[1] + '?project=victim');
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.method === 'session.welcome') {
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'page.open', params: { pageId: 'p1' }, id: 1 }));
      } else if (m.id === 1) process.stdout.write(m.result.pageId + '\\n');
    });`;
  const child = spawn(process.execPath, ['-e', code, wsUrl], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { child, ready };
}

describe('faults', () => {
  it('a killed client process: the session goes disconnected within two heartbeats, loses its pages, then ends', async () => {
    await using srv = await startTestServer({ heartbeatMs: 200, sessionTimeoutMs: 400 });
    await using admin = await connectAdmin(srv);
    const { child, ready } = childClient(srv.wsUrl);
    await ready;
    const before = (await listSessions(admin, ['', 'victim']))[0];
    expect(before).toMatchObject({ state: 'connected', pageIds: ['p1'] });
    child.kill('SIGKILL');
    const killedAt = Date.now();
    let info = before;
    while (info?.state === 'connected' && Date.now() - killedAt < 2_000) {
      await sleep(20);
      info = (await listSessions(admin, ['', 'victim']))[0];
    }
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2 * 200 + 200);
    expect(info).toMatchObject({ state: 'disconnected', pageIds: [], activePages: 0 });
    await sleep(600);
    expect(await listSessions(admin, ['', 'victim'])).toEqual([]);
  });
});
