/**
 * A TCP proxy that can be frozen: it stops forwarding both ways but keeps every socket
 * open, as a dead NAT or a stuck middlebox does. Neither end sees a close, so only
 * application-level liveness can tell. While frozen, new connections are accepted and held
 * (their bytes wait); `thaw()` lets everything flow again. It also records the HTTP request
 * head of every connection, so a test can check what a URL carried (the upgrade request).
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  head: string;
  headDone: boolean;
}

export interface FreezeProxy extends AsyncDisposable {
  readonly port: number;
  /** `ws://127.0.0.1:<port><path>` */
  wsUrl(path?: string): string;
  /** The request heads (request line and headers) clients sent, in arrival order. */
  readonly heads: string[];
  /** Connections currently open through the proxy. */
  readonly open: number;
  readonly frozen: boolean;
  freeze(): void;
  thaw(): void;
  /** Resets every open connection (both sockets destroyed), as a network reset does. */
  cut(): void;
  close(): Promise<void>;
}

export async function startFreezeProxy(target: { host: string; port: number }): Promise<FreezeProxy> {
  const pairs = new Set<Pair>();
  const heads: string[] = [];
  /** Closes that happened while frozen, passed on at the thaw. */
  let deferred: (() => void)[] = [];
  let frozen = false;

  const later = (fn: () => void): void => {
    if (frozen) deferred.push(fn);
    else fn();
  };

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, head: '', headDone: false };
    pairs.add(pair);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    client.on('data', (buf: Buffer) => {
      if (!pair.headDone) {
        pair.head += buf.toString('latin1');
        const end = pair.head.indexOf('\r\n\r\n');
        if (end >= 0) {
          pair.head = pair.head.slice(0, end);
          pair.headDone = true;
          heads.push(pair.head);
        }
      }
      upstream.write(buf);
    });
    upstream.on('data', (buf: Buffer) => client.write(buf));
    client.on('end', () => later(() => upstream.end()));
    upstream.on('end', () => later(() => client.end()));
    const drop = (): void => {
      pairs.delete(pair);
      later(() => {
        client.destroy();
        upstream.destroy();
      });
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FreezeProxy = {
    port,
    wsUrl: (path = '/ws') => `ws://127.0.0.1:${port}${path}`,
    heads,
    get open() {
      return pairs.size;
    },
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = true;
      for (const p of pairs) {
        p.client.pause();
        p.upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      const run = deferred;
      deferred = [];
      for (const fn of run) fn();
      for (const p of pairs) {
        p.client.resume();
        p.upstream.resume();
      }
    },
    cut() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    async close() {
      frozen = false;
      deferred = [];
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    [Symbol.asyncDispose]() {
      return proxy.close();
    },
  };
  return proxy;
}
