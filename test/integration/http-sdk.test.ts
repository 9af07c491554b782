/** GET /sdk.js: loadable cross-origin with Subresource Integrity, compressed, revalidated by ETag. */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';

type Tracker = Awaited<ReturnType<typeof startTestServer>>;
let srv: Tracker;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: fetch would decompress and hide content-encoding. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${srv.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /sdk.js', () => {
  it('is JavaScript anyone may load cross-origin, with a cache policy and a validator', async () => {
    const a = await get('/sdk.js');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/^text\/javascript/);
    expect(a.headers['access-control-allow-origin']).toBe('*');
    expect(a.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(a.headers.etag).toMatch(/^"[^"]+"$/);
    expect(a.headers.vary).toMatch(/accept-encoding/i);
    expect(a.headers['content-encoding']).toBeUndefined();
    expect(a.body.toString('utf8')).toContain('createClient');
  });

  it('is compressed with brotli or gzip when asked, and the same script once decoded', async () => {
    const plain = (await get('/sdk.js')).body;
    const br = await get('/sdk.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.length).toBeLessThan(plain.length / 2);
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    const gz = await get('/sdk.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);
    const refused = await get('/sdk.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.equals(plain)).toBe(true);
    // Each coding has its own validator (they are different bytes).
    expect(new Set([br.headers.etag, gz.headers.etag, refused.headers.etag]).size).toBe(3);
  });

  it('answers 304 to a matching If-None-Match, whichever coding it named', async () => {
    const first = await get('/sdk.js', { 'accept-encoding': 'gzip' });
    const again = await get('/sdk.js', { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const other = await get('/sdk.js', { 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
  });

  it('answers HEAD with headers only', async () => {
    const plain = (await get('/sdk.js')).body;
    const head = await get('/sdk.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(plain.length);
    expect(head.body.length).toBe(0);
  });

  it('has a stable sha384 integrity value across requests', async () => {
    const sri = (b: Buffer) => `sha384-${createHash('sha384').update(b).digest('base64')}`;
    expect(sri((await get('/sdk.js')).body)).toBe(sri((await get('/sdk.js')).body));
  });
});
