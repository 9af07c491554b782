import type { Logger } from 'pino';
import { APP_PREFIX, describeIssues, ErrorCode, failure, isAppName, isMethodName, isServerErrorCode } from '@session-tracker/shared';
import type { z } from 'zod';
import { RawJson, RawResponse } from '../rpc/raw-json.js';
import type { AppDispatch, Outcome } from '../rpc/router.js';
import type { Session } from '../sessions/session.js';
import type { Connection } from '../transport/connection.js';
import { countReceived, countSent } from '../sessions/traffic.js';
import type { AppStats } from './stats.js';
import type { AppHandler, AppSession, HandleOptions } from './types.js';

type InboundId = string | number | null | undefined;

interface Entry {
  handler: AppHandler;
  schema: z.ZodType | undefined;
}

const MAX_NAME_IN_ERROR = 64;

/** Checks an app method or push name (without `app.`); throws a TypeError naming the problem. */
export function checkName(name: unknown, what: string): string {
  if (!isAppName(name)) {
    throw new TypeError(
      `${what}: the name must be 1 to 128 of letters, digits and _ . : / - (without "app."), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** An error a handler threw on purpose: its code is in the ranges the contract lets through. */
function codedError(err: unknown): { code: number; message: string; data?: unknown } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code !== 'number' || !Number.isInteger(code) || typeof message !== 'string') return undefined;
  if (!(isServerErrorCode(code) || code > 0)) return undefined;
  const data = (err as { data?: unknown }).data;
  return data === undefined ? { code, message } : { code, message, data };
}

function sessionView(s: Session): AppSession {
  return Object.freeze({
    id: s.id,
    username: s.username,
    roles: Object.freeze([...s.roles]),
    authorized: s.loggedIn,
    project: s.project,
    scope: s.scope,
  });
}

/** The app's handlers, and the dispatch of `app.*` calls that the router hands over. */
export class AppHandlers implements AppDispatch {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly log: Logger,
    readonly stats: AppStats,
  ) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registers the handler of `app.<name>`; returns a function that removes it. */
  handle<P, R>(name: string, handler: AppHandler<P, R>, options: HandleOptions<P> = {}): () => void {
    checkName(name, 'handle');
    if (isMethodName(name))
      throw new TypeError(`handle: "${name}" is a tracker method; the SDK's call("${name}") would reach that one, choose another name`);
    if (typeof handler !== 'function') throw new TypeError(`handle: the handler of "${name}" must be a function`);
    if (this.entries.has(name)) throw new TypeError(`handle: "${name}" already has a handler`);
    const entry: Entry = { handler: handler as AppHandler, schema: options.schema };
    this.entries.set(name, entry);
    return () => {
      if (this.entries.get(name) === entry) this.entries.delete(name);
    };
  }

  /**
   * One `app.*` call or notification. `frameBytes` is the size of the message that carried it
   * alone, or -1 inside a batch (then its own JSON length stands in for it).
   */
  dispatch(conn: Connection, method: string, params: unknown, id: InboundId, frameBytes: number): Outcome | Promise<Outcome> {
    const name = method.slice(APP_PREFIX.length);
    const s = conn.session;
    const bytesIn = frameBytes >= 0 ? frameBytes : Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    countSent(s, name, bytesIn);
    this.stats.call(name, bytesIn);
    const entry = this.entries.get(name);
    if (entry === undefined) {
      const shown = method.length > MAX_NAME_IN_ERROR ? `${method.slice(0, MAX_NAME_IN_ERROR)}…` : method;
      return this.fail(conn, name, id, ErrorCode.MethodNotFound, `Method not found: ${shown}`);
    }
    let input: unknown = params;
    if (entry.schema !== undefined) {
      const parsed = entry.schema.safeParse(params);
      if (!parsed.success) return this.fail(conn, name, id, ErrorCode.InvalidParams, describeIssues(parsed.error));
      input = parsed.data;
    }
    try {
      const result = entry.handler(input, sessionView(s));
      if (result instanceof Promise) {
        return result.then(
          (r: unknown) => this.answer(conn, name, id, r),
          (err: unknown) => this.thrown(conn, name, id, err),
        );
      }
      return this.answer(conn, name, id, result);
    } catch (err) {
      return this.thrown(conn, name, id, err);
    }
  }

  /** The result as JSON text, counted once; the router sends it as it is. */
  private answer(conn: Connection, name: string, id: InboundId, result: unknown): Outcome {
    if (id === undefined) return undefined;
    let text: string | undefined;
    try {
      text = JSON.stringify(result);
    } catch (err) {
      return this.thrown(conn, name, id, err);
    }
    const response = new RawResponse(
      id,
      RawJson.of(text ?? 'null', [], () => '', ''),
    );
    const bytes = Buffer.byteLength(response.message.head) + 1;
    countReceived(conn.session, name, bytes);
    this.stats.answer(name, bytes, false);
    return response;
  }

  private thrown(conn: Connection, name: string, id: InboundId, err: unknown): Outcome {
    const coded = codedError(err);
    if (coded) return this.fail(conn, name, id, coded.code, coded.message, coded.data);
    this.log.error(
      { err, method: `${APP_PREFIX}${name}`, sessionId: conn.session.id, username: conn.session.username },
      'app handler failed',
    );
    return this.fail(conn, name, id, ErrorCode.Internal, 'Internal error');
  }

  private fail(conn: Connection, name: string, id: InboundId, code: number, message: string, data?: unknown): Outcome {
    conn.ctx.stats.protocolError(code);
    if (id === undefined) {
      this.stats.answer(name, 0, true);
      return undefined;
    }
    const response = data === undefined ? failure(id, code, message) : failure(id, code, message, data);
    const bytes = Buffer.byteLength(JSON.stringify(response));
    countReceived(conn.session, name, bytes);
    this.stats.answer(name, bytes, true);
    return response;
  }
}
