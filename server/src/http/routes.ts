import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { TrackerContext } from '../context.js';
import { serveDashboard } from './dashboard.js';
import { createMetrics, serveMetrics } from './metrics.js';
import { loadSdk, sendSdk } from './sdk.js';

const metricsOf = new WeakMap<TrackerContext, Registry>();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** The tracker's HTTP routes. Returns false for paths that are not ours. */
export function handleHttp(ctx: TrackerContext, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path === '/admin' || path?.startsWith('/admin/')) return serveDashboard(req, res);
  if (path === '/metrics') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
    // Built on first scrape: a tracker nobody scrapes pays nothing for metrics.
    metricsOf.set(ctx, metricsOf.get(ctx) ?? createMetrics(ctx));
    serveMetrics(metricsOf.get(ctx) as Registry, ctx.options.metricsToken, req, res);
    return true;
  }
  if (path === '/healthz') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
    sendJson(res, 200, { status: 'ok', sessions: ctx.registry.size });
    return true;
  }
  if (path === '/sdk.js') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
    loadSdk().then(
      (bundle) => {
        if (!bundle) return sendJson(res, 404, { error: 'the client SDK bundle is not built (npm run build)' });
        sendSdk(req, res, bundle);
      },
      (err: unknown) => {
        ctx.log.error({ err }, 'serving /sdk.js failed');
        sendJson(res, 500, { error: 'internal error' });
      },
    );
    return true;
  }
  return false;
}

function methodNotAllowed(res: ServerResponse): true {
  res.setHeader('allow', 'GET, HEAD');
  sendJson(res, 405, { error: 'method not allowed' });
  return true;
}

export function notFoundResponse(res: ServerResponse): void {
  sendJson(res, 404, { error: 'not found' });
}
