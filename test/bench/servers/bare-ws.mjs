// The floor: a `ws` server that only counts each message's byte length. No
// sessions, no pages, no replies; whatever session-tracker costs beyond this is
// its own.
import { WebSocketServer } from 'ws';

const counters = { messages: 0, bytes: 0 };

// Module-level listeners (no closure per socket), as a careful user would write.
function onMessage(data) {
  counters.messages++;
  counters.bytes += data.length;
}
function onError() {}

export async function start({ host = '127.0.0.1', port = 0, maxPayload = 65536 } = {}) {
  const wss = new WebSocketServer({ host, port, maxPayload, perMessageDeflate: false, backlog: 4096 });
  wss.on('connection', (ws) => {
    ws.on('message', onMessage);
    ws.on('error', onError);
  });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const { port: bound } = wss.address();
  return {
    kind: 'bare',
    wsUrl: `ws://${host}:${bound}/ws`,
    counters: () => ({ ...counters, connections: wss.clients.size }),
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
