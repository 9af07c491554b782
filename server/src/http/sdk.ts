import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** One encoding of the bundle, with its own strong validator (RFC 9110: per representation). */
interface Encoded {
  body: Buffer;
  etag: string;
}

export interface SdkBundle {
  identity: Encoded;
  gzip: Encoded;
  br: Encoded;
  /** `sha384-…`, the value a page puts in `<script integrity>`. */
  integrity: string;
}

/**
 * Pages on other origins load the SDK from here, so it must be readable cross-origin (CORS
 * lets `<script integrity crossorigin>` verify it), cheap to revalidate (ETag) and small on the
 * wire (brotli or gzip, compressed once at first request, not per request).
 */
export const SDK_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'public, max-age=300, must-revalidate',
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
  'x-content-type-options': 'nosniff',
  vary: 'Accept-Encoding',
} as const;

let bundle: Promise<SdkBundle | undefined> | undefined;

/** Builds the three encodings of a bundle. */
export async function encodeBundle(body: Buffer): Promise<SdkBundle> {
  const tag = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  const [gz, br] = await Promise.all([
    gzipAsync(body, { level: 9 }),
    brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  ]);
  return {
    identity: { body, etag: `"${tag}"` },
    gzip: { body: gz, etag: `"${tag}-gz"` },
    br: { body: br, etag: `"${tag}-br"` },
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
  };
}

/** The SDK's minified browser bundle, read and compressed once; undefined when not built. */
export function loadSdk(): Promise<SdkBundle | undefined> {
  bundle ??= (async () => {
    let body: Buffer;
    try {
      body = await readFile(createRequire(import.meta.url).resolve('@session-tracker/client/browser'));
    } catch {
      bundle = undefined; // not built yet: a later build is picked up
      return undefined;
    }
    return encodeBundle(body);
  })();
  return bundle;
}

/** Parses Accept-Encoding (with q-values) and picks br, then gzip, else identity. */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return 'identity';
}

/** True when If-None-Match names any encoding of this bundle (or `*`): one content, three codings. */
function notModified(req: IncomingMessage, sdk: SdkBundle): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const base = sdk.identity.etag.slice(1, -1);
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return tag === '*' || tag.replace(/-(gz|br)$/, '') === base;
  });
}

/** Answers GET/HEAD /sdk.js from a loaded bundle. */
export function sendSdk(req: IncomingMessage, res: ServerResponse, sdk: SdkBundle): void {
  const encoding = pickEncoding(req.headers['accept-encoding']);
  const chosen = encoding === 'identity' ? sdk.identity : sdk[encoding];
  const headers: Record<string, string | number> = { ...SDK_HEADERS, etag: chosen.etag };
  if (notModified(req, sdk)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  headers['content-length'] = chosen.body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : chosen.body);
}
