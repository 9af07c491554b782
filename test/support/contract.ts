/** Shared helpers of the contract tests (test/integration/protocol-*.test.ts). */
import { expect } from 'vitest';
import { ADMIN_TOKEN } from './server.js';
import { RawClient, type ConnectOptions, type RpcResponse } from './ws-client.js';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const CHROME_WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
export const CHROME_ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36';

export interface ServerLike {
  url: string;
  wsUrl: string;
}

/** Connects and logs in with the admin token. */
export async function connectAdmin(server: ServerLike, options: ConnectOptions = {}): Promise<RawClient> {
  const client = await RawClient.connect(server.wsUrl, options);
  const login = await client.call('auth.login', { token: ADMIN_TOKEN });
  expect(login.error, 'admin token login').toBeUndefined();
  return client;
}

/** Connects and logs in with `token`. */
export async function connectWithToken(server: ServerLike, token: string, options: ConnectOptions = {}): Promise<RawClient> {
  const client = await RawClient.connect(server.wsUrl, options);
  const login = await client.call('auth.login', { token });
  expect(login.error, 'login').toBeUndefined();
  return client;
}

/** getSessionInfo as a list; fails the test on an error response. */
export async function listSessions(admin: RawClient, params?: unknown): Promise<any[]> {
  const response = await admin.call('getSessionInfo', params);
  expect(response.error, 'getSessionInfo error').toBeUndefined();
  expect(Array.isArray(response.result), 'getSessionInfo result is a list').toBe(true);
  return response.result as any[];
}

/** The SessionInfo of session `id` as the admin sees it, or undefined. */
export async function sessionById(admin: RawClient, id: string): Promise<any | undefined> {
  const list = await listSessions(admin);
  return list.find((s) => s.id === id);
}

export async function healthz(server: ServerLike): Promise<{ status: number; body: any; contentType: string | null }> {
  const res = await fetch(`${server.url}/healthz`);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, contentType: res.headers.get('content-type') };
}

/** Asserts that `response` is an error with `code` (and the echoed id when given). */
export function expectError(response: RpcResponse | undefined, code: number, id?: string | number | null): void {
  expect(response, 'a response').toBeDefined();
  expect(response!.jsonrpc).toBe('2.0');
  expect(response!.result, `no result expected, got ${JSON.stringify(response)}`).toBeUndefined();
  expect(response!.error, `an error expected, got ${JSON.stringify(response)}`).toBeDefined();
  expect(response!.error!.code).toBe(code);
  expect(typeof response!.error!.message).toBe('string');
  if (id !== undefined) expect(response!.id).toBe(id);
}

/** Asserts that `response` is a success and returns its result. */
export function expectResult<R = any>(response: RpcResponse<R> | undefined): R {
  expect(response, 'a response').toBeDefined();
  expect(response!.jsonrpc).toBe('2.0');
  expect(response!.error, `no error expected, got ${JSON.stringify(response?.error)}`).toBeUndefined();
  expect('result' in response!).toBe(true);
  return response!.result as R;
}

export const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
