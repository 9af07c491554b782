/**
 * A write whose COMMIT reached PostgreSQL but whose answer never came back (the server froze or
 * the network dropped right then): the store cannot know whether it landed. The journal writes
 * the same records again; the store settles the first transaction (txid_status) and leaves out
 * what landed, so nothing is written twice.
 */
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from '../../server/src/history/pg-store.js';
import type { EndedRecord, EventRecord } from '../../server/src/history/store.js';
import { hasPostgres, PostgresServer } from '../support/postgres.js';

/** A TCP proxy that, once armed, passes the next COMMIT on and swallows every answer after it on that connection. */
async function commitEater(target: number): Promise<{ port: number; arm(): void; server: Server }> {
  let armed = false;
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    let eat = false;
    client.on('data', (buf: Buffer) => {
      // A parameterless query goes as a simple 'Q' message: its text is in the bytes as it is.
      if (armed && buf.includes('COMMIT')) {
        armed = false;
        eat = true;
      }
      upstream.write(buf);
    });
    upstream.on('data', (buf: Buffer) => {
      if (!eat) client.write(buf);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, arm: () => (armed = true), server };
}

const ev = (n: number): EventRecord => ({
  at: 1_000 + n,
  type: 'page.open',
  sessionId: 's',
  username: 'u',
  project: 'P',
  clientAddress: 'a',
  detail: { n },
});

const ended: EndedRecord = {
  id: 's',
  project: 'P',
  username: 'u',
  clientAddress: 'a',
  createdAt: 1_000,
  endedAt: 1_010,
  endReason: 'closed',
  info: '{"id":"s"}',
};

describe.skipIf(!hasPostgres())('PostgreSQL store: a COMMIT without an answer', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await pg?.[Symbol.asyncDispose]();
  });

  it('is settled before the next write: what landed is not written again', async () => {
    const direct = await pg.database();
    const proxy = await commitEater(pg.port);
    // 2 s: a connection made on a loaded machine must not time out; the swallowed COMMIT does.
    const store = new PgStore(direct.replace(`:${pg.port}/`, `:${proxy.port}/`), 2_000);
    try {
      await store.write({ events: [ev(1)], ended: [], live: [], gone: [] });
      proxy.arm();
      const lost = [ev(2), ev(3)];
      await expect(store.write({ events: lost, ended: [ended], live: [], gone: [] })).rejects.toThrow(
        /^postgresql: no answer within \d+ ms$/,
      );
      // Until settled, the journal must not count them as dropped: they may be there.
      expect(lost.map((e) => store.mayHaveWritten(e))).toEqual([true, true]);
      expect(store.mayHaveWritten(ev(9))).toBe(false);
      // The journal puts the same records back in front and writes them with what came since.
      await store.write({ events: [...lost, ev(4)], ended: [ended], live: [], gone: [] });
      expect(store.mayHaveWritten(lost[0] as EventRecord)).toBe(false);
      const all = await store.events({ from: 0, to: 10_000, after: undefined, sessionId: undefined, types: undefined, limit: 100 });
      expect(all.map((e) => e.detail.n)).toEqual([4, 3, 2, 1]);
      expect(await store.ended({ from: 0, to: 10_000, after: undefined, limit: 10 })).toHaveLength(1);
    } finally {
      await store.close();
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });
});
