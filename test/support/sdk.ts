import { createClient, type ClientOptions, type SessionTrackerClient } from '@session-tracker/client';
import WebSocket from 'ws';

/** A `ws` WebSocket that remembers every instance, so a test can cut the wire under the SDK. */
export function trackedWebSocket() {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, sockets };
}

/** SDK clients over `ws`, all closed by `closeAll()` (call it in afterEach). */
export class ClientPool {
  private readonly clients: SessionTrackerClient[] = [];

  client(options: Partial<ClientOptions> & { url: string }): SessionTrackerClient {
    const c = createClient({ WebSocket, ...options });
    this.clients.push(c);
    return c;
  }

  /** A client logged in with `token`, ready. */
  async admin(url: string, token: string, project = 'Ops'): Promise<SessionTrackerClient> {
    const admin = this.client({ url, project });
    await admin.ready(5_000);
    await admin.login(token);
    return admin;
  }

  closeAll(): void {
    for (const c of this.clients.splice(0)) c.close();
  }
}
