// A small realtime HMI on session-tracker: one page with a live table of tag values fed by
// pushes, buttons that make app calls, and its own HTTP server embedding the tracker.
//   npm run example:hmi        (from the repository root; builds first)
//   PORT=3000 SESSION_TRACKER_ADMIN_TOKEN=... node examples/hmi/server.mjs
// Then open http://127.0.0.1:3000/ and, to see the sessions and their bytes, /admin.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { attachSessionTracker } from '@session-tracker/server';
import { z } from 'zod';

const here = new URL('.', import.meta.url);
const page = readFileSync(new URL('index.html', here));
const script = readFileSync(new URL('app.js', here));

const port = Number(process.env.PORT ?? 3000);
const pushEveryMs = Number(process.env.HMI_PUSH_MS ?? 500);

/** The plant: a few tags drifting, and valves the operator opens and closes. */
const tags = new Map([
  ['TT-101', { value: 72.0, unit: '°C' }],
  ['PT-102', { value: 4.2, unit: 'bar' }],
  ['FT-103', { value: 118.0, unit: 'l/min' }],
]);
const valves = new Map([
  ['XV-201', false],
  ['XV-202', true],
]);

function snapshot() {
  return {
    tags: [...tags].map(([tag, t]) => ({ tag, value: Math.round(t.value * 10) / 10, unit: t.unit })),
    valves: [...valves].map(([id, open]) => ({ id, open })),
  };
}

const http = createServer((req, res) => {
  if (req.url === '/' || req.url?.startsWith('/?')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(page);
  }
  if (req.url === '/app.js') {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    return res.end(script);
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
});

const tracker = attachSessionTracker(http, {
  adminToken: process.env.SESSION_TRACKER_ADMIN_TOKEN,
  logLevel: process.env.LOG_LEVEL ?? 'warn',
});

/** Sessions that want the live feed (a paused page stops getting pushes). */
const live = new Set();

tracker.handle('feed.subscribe', (_params, session) => {
  live.add(session.id);
  return snapshot();
});
tracker.handle('feed.pause', (_params, session) => {
  live.delete(session.id);
  return { paused: true };
});
tracker.handle(
  'valve.set',
  ({ id, open }, session) => {
    if (!valves.has(id)) throw { code: -32004, message: `no valve ${id}` };
    valves.set(id, open);
    console.log(`${session.id} set ${id} ${open ? 'open' : 'closed'}`);
    return { id, open };
  },
  { schema: z.object({ id: z.string().min(1).max(32), open: z.boolean() }) },
);

const timer = setInterval(async () => {
  for (const t of tags.values()) t.value += (Math.random() - 0.5) * t.value * 0.02;
  const values = snapshot();
  for (const sessionId of live) {
    // A session that ended gets nothing: forget it.
    if ((await tracker.push({ sessionId }, 'values.changed', values)) === 0 && !tracker.registry.get(sessionId)) live.delete(sessionId);
  }
}, pushEveryMs);

http.listen(port, '127.0.0.1', () => {
  const { port: bound } = http.address();
  console.log(
    `hmi listening on http://127.0.0.1:${bound}/ (admin token: ${tracker.adminTokenGenerated ? tracker.adminToken : 'from SESSION_TRACKER_ADMIN_TOKEN'})`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    clearInterval(timer);
    await tracker.close();
    http.close(() => process.exit(0));
  });
}
