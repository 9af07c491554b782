import type { Logger } from 'pino';
import {
  ADMIN_METHODS,
  ErrorCode,
  failure,
  isMethodName,
  classifyInbound,
  describeJsonError,
  MAX_PARAMS_DEPTH,
  nestedDeeperThan,
  parseInbound,
  success,
  type InboundCall,
  type JsonRpcResponse,
  type MethodName,
  type MethodResults,
  type ParamsOf,
} from '@session-tracker/shared';
import type { Session } from '../sessions/session.js';
import type { Connection } from '../transport/connection.js';
import type { RpcServices } from './context.js';
import { RpcError } from './errors.js';
import { validators, type ParamsCheck, type Validators } from './validate.js';
import { RawJson, RawResponse } from './raw-json.js';

/** A socket of the tracker's, carrying the RPC services. */
export type Conn = Connection<RpcServices>;

export interface CallContext {
  conn: Conn;
  session: Session;
  ctx: RpcServices;
}

/** A handler answers with its method's result, or the same as JSON text (RawJson) for big lists. */
export type MethodHandler<M extends MethodName> = (
  call: CallContext,
  params: ParamsOf<M>,
) => MethodResults[M] | RawJson | Promise<MethodResults[M] | RawJson>;

export type HandlerTable = { [M in MethodName]?: MethodHandler<M> };

export type Outcome = JsonRpcResponse | RawResponse | undefined;

/** Serves the `app.*` names (1.1, the app's own traffic): server/src/app/handlers.ts. */
export interface AppDispatch {
  dispatch(
    conn: Conn,
    method: string,
    params: unknown,
    id: string | number | null | undefined,
    frameBytes: number,
  ): Outcome | Promise<Outcome>;
}

const MAX_NAME_IN_ERROR = 64;

/** JSON-RPC 2.0 dispatch for one tracker: envelope checks, admin gate, params, handler. */
interface MethodEntry {
  name: MethodName;
  handler: MethodHandler<MethodName>;
  admin: boolean;
  check: ParamsCheck;
}

export class RpcRouter {
  private readonly check: Validators = validators();
  /** Everything a call needs about its method, in one lookup. */
  private readonly methods = new Map<string, MethodEntry>();
  /** The app's handlers, once the tracker has set them. */
  app: AppDispatch | undefined;
  /** Bytes of the frame being handled when it holds one call alone, else -1 (per-method traffic). */
  private frameBytes = -1;

  constructor(
    handlers: HandlerTable,
    private readonly log: Logger,
    private readonly maxBatch: number,
  ) {
    for (const [name, handler] of Object.entries(handlers) as [MethodName, MethodHandler<MethodName>][]) {
      if (isMethodName(name)) this.methods.set(name, { name, handler, admin: ADMIN_METHODS.has(name), check: this.check.params[name] });
    }
  }

  /** Takes one text frame. Frames of a socket are handled strictly in arrival order. */
  receive(conn: Conn, frame: Buffer, isBinary: boolean, limited: boolean): void {
    if (conn.busy) {
      (conn.backlog ??= []).push([frame, isBinary, limited]);
      return;
    }
    this.process(conn, frame, isBinary, limited);
  }

  private process(conn: Conn, frame: Buffer, isBinary: boolean, limited: boolean): void {
    try {
      this.processFrame(conn, frame, isBinary, limited);
    } catch (err) {
      // A backstop: nothing a client sends may throw into the socket's event handler (that
      // would end the process). Handlers' own throws are answered by dispatch already.
      this.log.error({ err, sessionId: conn.session.id }, 'rpc processing failed');
      conn.send(failure(null, ErrorCode.Internal, 'Internal error'));
    }
  }

  private processFrame(conn: Conn, frame: Buffer, isBinary: boolean, limited: boolean): void {
    if (limited) return this.refuseLimited(conn, frame, isBinary);
    if (isBinary) {
      const text = 'Parse error: binary frames are not accepted, send JSON-RPC as text';
      this.protocolError(conn, ErrorCode.ParseError, text);
      conn.send(failure(null, ErrorCode.ParseError, text));
      return;
    }
    this.frameBytes = frame.length;
    const pending = this.handleText(conn, frame.toString('utf8'));
    this.frameBytes = -1;
    if (pending === undefined) return;
    conn.busy = true;
    pending.then(
      () => this.drain(conn),
      (err: unknown) => {
        this.log.error({ err, sessionId: conn.session.id }, 'rpc processing failed');
        this.drain(conn);
      },
    );
  }

  private drain(conn: Conn): void {
    conn.busy = false;
    while (!conn.busy && !conn.closed && conn.backlog && conn.backlog.length > 0) {
      const [next, isBinary, limited] = conn.backlog.shift() as [Buffer, boolean, boolean];
      this.process(conn, next, isBinary, limited);
    }
  }

  /** Over the rate limit: each request gets -32029, notifications are dropped unanswered. */
  private refuseLimited(conn: Conn, frame: Buffer, isBinary: boolean): void {
    const text = `Rate limited: over ${conn.ctx.rateLimit.perSecond} messages per second (burst ${conn.ctx.rateLimit.burst})`;
    const msg = isBinary ? undefined : parseInbound(frame.toString('utf8'), this.check.envelope);
    const calls = msg?.kind === 'single' ? [msg.call] : msg?.kind === 'batch' ? msg.calls : undefined;
    conn.ctx.stats.rateLimited++;
    conn.ctx.stats.protocolError(ErrorCode.RateLimited);
    if (!calls) {
      conn.send(failure(null, ErrorCode.RateLimited, text));
      return;
    }
    const answers = calls.flatMap((c) => (c.kind === 'notification' ? [] : [failure(c.id, ErrorCode.RateLimited, text)]));
    if (answers.length === 0) return;
    conn.send(msg?.kind === 'batch' ? answers : answers[0]);
  }

  /** Handles one frame; returns a promise only when a handler went async. */
  handleText(conn: Conn, text: string): Promise<void> | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const message = describeJsonError(err);
      this.protocolError(conn, ErrorCode.ParseError, message);
      conn.send(failure(null, ErrorCode.ParseError, message));
      return undefined;
    }
    // The common case, one well-formed call, goes straight to dispatch: nothing allocated.
    if (!Array.isArray(value) && this.check.envelope(value)) {
      const c = value as { method: string; params?: unknown; id?: string | number | null };
      const out = this.dispatch(conn, c.method, c.params, 'id' in c ? (c.id ?? null) : undefined);
      if (out instanceof Promise) return out.then((r) => sendOutcome(conn, r));
      sendOutcome(conn, out);
      return undefined;
    }
    const msg = classifyInbound(value, this.check.envelope);
    switch (msg.kind) {
      case 'empty-batch':
        this.protocolError(conn, ErrorCode.InvalidRequest, 'empty batch');
        conn.send(failure(null, ErrorCode.InvalidRequest, 'Invalid Request: empty batch'));
        return undefined;
      case 'batch':
        if (msg.calls.length > this.maxBatch) {
          // Every request still gets exactly one answer, under its own id.
          const text = `Batch of ${msg.calls.length} calls is over the limit of ${this.maxBatch} (maxBatch)`;
          this.protocolError(conn, ErrorCode.RateLimited, text);
          const answers = msg.calls.flatMap((c) =>
            c.kind === 'notification'
              ? []
              : [
                  failure(
                    c.id,
                    c.kind === 'invalid' ? ErrorCode.InvalidRequest : ErrorCode.RateLimited,
                    c.kind === 'invalid' ? c.message : text,
                  ),
                ],
          );
          if (answers.length > 0) conn.send(answers);
          return undefined;
        }
        this.frameBytes = -1;
        return this.runBatch(conn, msg.calls);
      case 'single': {
        const out = this.execute(conn, msg.call);
        if (out instanceof Promise) return out.then((r) => sendOutcome(conn, r));
        sendOutcome(conn, out);
        return undefined;
      }
    }
  }

  private async runBatch(conn: Conn, calls: InboundCall[]): Promise<void> {
    const responses: (JsonRpcResponse | RawResponse)[] = [];
    // In order, so a batch like [page.open, session.self] reads its own writes.
    for (const call of calls) {
      const out = await this.execute(conn, call);
      if (out) responses.push(out);
    }
    // A batch of notifications only gets nothing back at all.
    if (responses.length > 0) conn.sendText(`[${responses.map(serialize).join(',')}]`);
  }

  /** Runs one classified call (a batch entry); the result is the response to send, if any. */
  execute(conn: Conn, call: InboundCall): Outcome | Promise<Outcome> {
    if (call.kind === 'invalid') {
      this.protocolError(conn, ErrorCode.InvalidRequest, call.message);
      return failure(call.id, ErrorCode.InvalidRequest, call.message);
    }
    return this.dispatch(conn, call.method, call.params, call.kind === 'request' ? call.id : undefined);
  }

  /** Admin gate, params check, handler. `id` undefined: a notification. */
  private dispatch(conn: Conn, method: string, params: unknown, id: InboundId): Outcome | Promise<Outcome> {
    const entry = this.methods.get(method);
    if (!entry) {
      if (this.app !== undefined && method.startsWith('app.')) {
        // The depth rule holds for app methods too: their params are serialized for the traffic count and by handlers.
        if (nestedDeeperThan(params, MAX_PARAMS_DEPTH)) return this.tooDeep(conn, id);
        return this.app.dispatch(conn, method, params, id, this.frameBytes);
      }
      const shown = method.length > MAX_NAME_IN_ERROR ? `${method.slice(0, MAX_NAME_IN_ERROR)}…` : method;
      return this.fail(conn, id, ErrorCode.MethodNotFound, `Method not found: ${shown}`);
    }
    const name = entry.name;
    if (entry.admin && !conn.session.isAdmin) {
      return this.fail(conn, id, ErrorCode.Forbidden, `Forbidden: ${name} needs an admin login`);
    }
    // Checked before anything walks or serializes them: a 5,000-deep payload would overflow
    // JSON.stringify later, outside this call.
    if (nestedDeeperThan(params, MAX_PARAMS_DEPTH)) return this.tooDeep(conn, id);
    if (!entry.check(params)) return this.fail(conn, id, ErrorCode.InvalidParams, entry.check.describe(params));
    const handler = entry.handler;
    try {
      // The connection is its own call context: nothing allocated per call.
      const result = handler(conn, params as never);
      if (result instanceof Promise) {
        return result.then(
          (r) => (id === undefined ? undefined : respond(id, r)),
          (err: unknown) => this.thrown(conn, id, name, err),
        );
      }
      return id === undefined ? undefined : respond(id, result);
    } catch (err) {
      return this.thrown(conn, id, name, err);
    }
  }

  private tooDeep(conn: Conn, id: InboundId): Outcome {
    return this.fail(conn, id, ErrorCode.InvalidParams, `Invalid params: nested deeper than ${MAX_PARAMS_DEPTH} levels`);
  }

  private thrown(conn: Conn, id: InboundId, method: string, err: unknown): Outcome {
    if (err instanceof RpcError) return this.fail(conn, id, err.code, err.message, err.data);
    this.log.error({ err, method, sessionId: conn.session.id }, 'handler failed');
    return this.fail(conn, id, ErrorCode.Internal, 'Internal error');
  }

  private fail(conn: Conn, id: InboundId, code: number, message: string, data?: unknown): Outcome {
    conn.ctx.stats.protocolError(code);
    if (code === ErrorCode.RateLimited) conn.ctx.stats.rateLimited++;
    this.log.debug({ event: 'rpc.error', code, message, sessionId: conn.session.id }, 'rpc error');
    // Notifications never get a response, not even an error (JSON-RPC 2.0, section 4.1).
    return id === undefined ? undefined : failure(id, code, message, data);
  }

  private protocolError(conn: Conn, code: number, message: string): void {
    conn.ctx.stats.protocolError(code);
    if (code === ErrorCode.RateLimited) conn.ctx.stats.rateLimited++;
    this.log.info({ event: 'protocol.error', code, message, sessionId: conn.session.id }, 'protocol error');
  }
}

type InboundId = string | number | null | undefined;

function respond(id: string | number | null, result: unknown): JsonRpcResponse | RawResponse {
  return result instanceof RawJson ? new RawResponse(id, result) : success(id, result);
}

/**
 * One response as text. A result that cannot be serialized becomes that request's -32603, so the
 * request still gets exactly one answer and nothing throws past the router.
 */
function serialize(r: JsonRpcResponse | RawResponse): string {
  try {
    return r instanceof RawResponse ? r.message.text() : JSON.stringify(r);
  } catch {
    return JSON.stringify(failure(r.id, ErrorCode.Internal, 'Internal error'));
  }
}

function sendOutcome(conn: Conn, out: Outcome): void {
  if (out instanceof RawResponse) conn.sendStream(out.message);
  else if (out) conn.sendText(serialize(out));
}
