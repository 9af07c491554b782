import { UNAUTHENTICATED } from '@session-tracker/shared';
import { ByteWriter } from '../lib/byte-writer.js';
import type { Session } from './session.js';
import { pageInfo } from './info.js';
import { trafficJson } from './traffic.js';
import type { FixedJson, PagesJson } from './json-pieces.js';

/**
 * SessionInfo as UTF-8 JSON, written from cached pieces: the fields fixed for a session's life
 * are encoded once, its pages once per change, and a query writes bytes (the numbers as digits)
 * instead of building a string per session, joining 15,000 of them and encoding the result. It
 * must equal JSON.stringify(toSessionInfo(s, now)); a test holds it to that.
 *
 * The fixed pieces, in wire order, each ending where a dynamic value follows:
 *   0 `{"id":…,"userAgent":…,"username":`   1 `,"project":…,"uptime":`
 *   2 `,"clientAddress":…,"lastComm":`      3 `,"sessionScope":…,"activePages":`
 *   4 `,"creationTime":…,"state":"`         5 `,"device":…,"roles":`
 */
export function writeSessionInfo(s: Session, now: number, w: ByteWriter): void {
  const f = (s.fixedJson ??= fixedPieces(s));
  const p = (s.pagesJson ??= pagesPieces(s));
  const b = f.bytes;
  const cuts = f.cuts;
  const c0 = cuts[0] as number;
  const c1 = cuts[1] as number;
  const c2 = cuts[2] as number;
  const c3 = cuts[3] as number;
  const c4 = cuts[4] as number;
  const c5 = cuts[5] as number;
  w.bytes(b, 0, c0);
  // The common values go as bytes encoded once: most sessions are not logged in, have no
  // roles and no app traffic.
  if (s.username === UNAUTHENTICATED) w.bytes(K.unauthenticated);
  else w.text(JSON.stringify(s.username));
  w.bytes(b, c0, c1);
  w.number(Math.max(0, now - s.createdAt));
  w.bytes(b, c1, c2);
  w.number(Math.max(0, now - s.lastCommAt));
  w.bytes(b, c2, c3);
  w.number(s.pages.size);
  w.bytes(K.recent);
  w.number(s.recentBytesSent);
  w.bytes(K.total);
  w.number(s.totalBytesSent);
  w.byte(COMMA);
  w.bytes(p.bytes, 0, p.cut);
  w.bytes(s.loggedIn ? K.authorized : K.unauthorized);
  w.number(s.totalBytesReceived);
  w.bytes(K.messages);
  w.number(s.messagesSent);
  w.bytes(b, c3, c4);
  w.bytes(s.state === 'connected' ? K.connected : K.disconnected);
  w.bytes(p.bytes, p.cut);
  w.bytes(b, c4, c5);
  if (s.roles.length === 0) w.bytes(K.noRoles);
  else w.text(JSON.stringify(s.roles));
  if (s.appTraffic === undefined) w.bytes(K.noTraffic);
  else {
    w.bytes(K.traffic);
    w.text(trafficJson(s));
    w.byte(CLOSE);
  }
}

const COMMA = 0x2c;
const CLOSE = 0x7d;
const K = {
  recent: Buffer.from(',"recentBytesSent":'),
  total: Buffer.from(',"totalBytesSent":'),
  authorized: Buffer.from(',"authorized":true,"totalBytesReceived":'),
  unauthorized: Buffer.from(',"authorized":false,"totalBytesReceived":'),
  messages: Buffer.from(',"messagesSent":'),
  connected: Buffer.from('connected",'),
  disconnected: Buffer.from('disconnected",'),
  traffic: Buffer.from(',"traffic":'),
  noTraffic: Buffer.from(',"traffic":{}}'),
  noRoles: Buffer.from('[]'),
  unauthenticated: Buffer.from(JSON.stringify(UNAUTHENTICATED)),
};

/** One session's SessionInfo as text (feeds, cluster views, single answers): the bytes above, decoded. */
export function sessionInfoJson(s: Session, now: number): string {
  writeSessionInfo(s, now, scratch.reset());
  return scratch.toString();
}
const scratch = new ByteWriter(16 * 1024);

/** One row of the 7.9 dataset as JSON text. */
export function datasetRowJson(s: Session): string {
  const f = (s.fixedJson ??= fixedPieces(s));
  return `[${JSON.stringify(s.username)},${JSON.stringify(s.project)},${JSON.stringify(s.clientAddress)},${s.scope === 'designer'},${f.id},${f.creationIso}]`;
}

function fixedPieces(s: Session): FixedJson {
  const iso = JSON.stringify(new Date(s.createdAt).toISOString());
  const id = JSON.stringify(s.id);
  const pieces = [
    `{"id":${id},"userAgent":${JSON.stringify(s.userAgent)},"username":`,
    `,"project":${JSON.stringify(s.project)},"uptime":`,
    `,"clientAddress":${JSON.stringify(s.clientAddress)},"lastComm":`,
    `,"sessionScope":${JSON.stringify(s.scope)},"activePages":`,
    `,"creationTime":${iso},"state":"`,
    `,"device":${JSON.stringify(s.device)},"roles":`,
  ];
  const cuts: number[] = [];
  let end = 0;
  for (const piece of pieces) cuts.push((end += Buffer.byteLength(piece)));
  return { bytes: Buffer.from(pieces.join('')), cuts, id, creationIso: iso };
}

function pagesPieces(s: Session): PagesJson {
  const ids: string[] = [];
  const pages: string[] = [];
  for (const p of s.pages.values()) {
    ids.push(p.id);
    pages.push(JSON.stringify(pageInfo(p)));
  }
  const head = `"pageIds":${JSON.stringify(ids)}`;
  return { bytes: Buffer.from(`${head}"pages":[${pages.join(',')}]`), cut: Buffer.byteLength(head) };
}
