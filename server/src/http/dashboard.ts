import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The admin dashboard (`/admin`): static files built by `npm run build:dashboard` into
 * dist/dashboard/, next to this module's dist/http/. Read once, kept in memory.
 */
const DIST = new URL('../dashboard/', import.meta.url);

/** Everything same-origin; no inline script or style. */
export const DASHBOARD_CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'";

const FILES = new Map<string, { file: string; type: string }>([
  ['/admin', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/admin/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/admin/app.js', { file: 'app.js', type: 'text/javascript; charset=utf-8' }],
  ['/admin/dashboard.css', { file: 'dashboard.css', type: 'text/css; charset=utf-8' }],
]);

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

interface Asset {
  body: Buffer;
  etag: string;
}

const cache = new Map<string, Promise<Asset | undefined>>();

/** A built file, or undefined when it is not built (not cached then, so a later build is picked up). */
function load(file: string): Promise<Asset | undefined> {
  let asset = cache.get(file);
  if (asset === undefined) {
    asset = readFile(new URL(file, DIST)).then(
      (body) => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }),
      () => undefined,
    );
    cache.set(file, asset);
    void asset.then((a) => {
      if (a === undefined) cache.delete(file);
    });
  }
  return asset;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(JSON.stringify(body));
}

/** Serves `/admin`, `/admin/`, `/admin/app.js` and `/admin/dashboard.css`; any other `/admin/...` is a 404. Always handles the request. */
export function serveDashboard(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const entry = FILES.get(path);
  if (entry === undefined) {
    sendJson(res, 404, { error: 'not found' });
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    return true;
  }
  load(entry.file).then(
    (asset) => {
      if (asset === undefined) {
        sendJson(res, 404, { error: 'the admin dashboard is not built (npm run build)' });
        return;
      }
      const headers = { ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag: asset.etag };
      if (req.headers['if-none-match'] === asset.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': entry.type, 'content-length': asset.body.length });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    },
    () => sendJson(res, 500, { error: 'internal error' }),
  );
  return true;
}
