/**
 * 1.1, the app's own traffic: the types an application declares once and both ends use.
 * The server serves `app.<name>` for each call; pushes arrive as `app.<name>` notifications.
 */

/** One app method: what the client sends and what the handler answers. */
export interface AppCall<P = unknown, R = unknown> {
  params: P;
  result: R;
}

/**
 * An application's map of its own traffic, declared once (as tRPC routers or Socket.IO's
 * typed events are) and given to `createClient<App>()` and `tracker.app<App>()`:
 *
 *     interface Hmi extends AppContract {
 *       calls: { 'valve.set': AppCall<{ id: string; open: boolean }, { ok: true }> };
 *       notifications: { 'ui.clicked': { button: string } };
 *       pushes: { 'values.changed': { tag: string; value: number }[] };
 *     }
 */
export interface AppContract {
  /** Client to server, answered. */
  calls: Record<string, AppCall>;
  /** Client to server, no answer. */
  notifications: Record<string, unknown>;
  /** Server to client. */
  pushes: Record<string, unknown>;
}

/** The untyped default: any name, any params, `unknown` results. */
export interface AnyApp extends AppContract {
  calls: Record<string, AppCall<unknown, unknown>>;
  notifications: Record<string, unknown>;
  pushes: Record<string, unknown>;
}

/** The prefix of every app method and push on the wire. */
export const APP_PREFIX = 'app.';

/** Messages and payload bytes one app method moved for one session (SessionInfo `traffic`). */
export interface AppMethodTraffic {
  /** Client to server: calls and notifications of this name. */
  messagesSent: number;
  bytesSent: number;
  /** Server to client: answers to those calls and pushes of this name. */
  messagesReceived: number;
  bytesReceived: number;
}

/** Names a session's `traffic` keeps apart; the rest add up under `_other`. */
export const APP_TRAFFIC_MAX_NAMES = 32;
export const APP_TRAFFIC_OTHER = '_other';
