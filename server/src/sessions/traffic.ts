import { APP_TRAFFIC_MAX_NAMES, APP_TRAFFIC_OTHER, type AppMethodTraffic } from '@session-tracker/shared';

/** What these functions need of a session: a Session is one (and session.ts imports this file, so not the reverse). */
export interface HasTraffic {
  appTraffic: Map<string, AppMethodTraffic> | undefined;
}

/**
 * Per app method traffic of one session (SessionInfo `traffic`). Names come from clients, so a
 * session keeps at most APP_TRAFFIC_MAX_NAMES of them apart and adds the rest up under `_other`.
 */
function entryOf(s: HasTraffic, name: string): AppMethodTraffic {
  const map = (s.appTraffic ??= new Map());
  let t = map.get(name);
  if (t !== undefined) return t;
  const key = map.size < APP_TRAFFIC_MAX_NAMES ? name : APP_TRAFFIC_OTHER;
  t = map.get(key);
  if (t === undefined) {
    t = { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 };
    map.set(key, t);
  }
  return t;
}

/** A call or notification of `name` came from the session's client. */
export function countSent(s: HasTraffic, name: string, bytes: number): void {
  const t = entryOf(s, name);
  t.messagesSent++;
  t.bytesSent += bytes;
}

/** An answer or push of `name` went to the session's client. */
export function countReceived(s: HasTraffic, name: string, bytes: number): void {
  const t = entryOf(s, name);
  t.messagesReceived++;
  t.bytesReceived += bytes;
}

/** The `traffic` field: a copy, so a rendered SessionInfo never moves afterwards. */
export function trafficOf(s: HasTraffic): Record<string, AppMethodTraffic> {
  const out: Record<string, AppMethodTraffic> = {};
  if (s.appTraffic) for (const [name, t] of s.appTraffic) out[name] = { ...t };
  return out;
}

/** The same as JSON text, for the cached renderer (info-json.ts). */
export function trafficJson(s: HasTraffic): string {
  return s.appTraffic === undefined ? '{}' : JSON.stringify(trafficOf(s));
}

/** One session's traffic from its parts on several nodes (cluster mode): counts add up. */
export function mergeTraffic(parts: readonly (Record<string, AppMethodTraffic> | undefined)[]): Record<string, AppMethodTraffic> {
  const out: Record<string, AppMethodTraffic> = {};
  let names = 0;
  for (const part of parts) {
    if (part === undefined) continue;
    for (const [name, t] of Object.entries(part)) {
      let key = name;
      if (out[key] === undefined && names >= APP_TRAFFIC_MAX_NAMES) key = APP_TRAFFIC_OTHER;
      let into = out[key];
      if (into === undefined) {
        into = { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 };
        out[key] = into;
        names++;
      }
      into.messagesSent += t.messagesSent;
      into.bytesSent += t.bytesSent;
      into.messagesReceived += t.messagesReceived;
      into.bytesReceived += t.bytesReceived;
    }
  }
  return out;
}
