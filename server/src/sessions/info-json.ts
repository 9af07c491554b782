import type { Session } from './session.js';
import { pageInfo } from './info.js';
import { trafficJson } from './traffic.js';
import type { FixedJson, PagesJson } from './json-pieces.js';

/**
 * SessionInfo as JSON text, built from cached pieces: the fields fixed for a session's life
 * are serialised once, its pages once per change. A 15,000-session answer is then string
 * assembly, not 15,000 object graphs for JSON.stringify. It must equal
 * JSON.stringify(toSessionInfo(s, now)); a test holds it to that.
 */
export function sessionInfoJson(s: Session, now: number): string {
  const f = (s.fixedJson ??= fixedPieces(s));
  const p = (s.pagesJson ??= pagesPieces(s));
  return (
    `{${f.idAndAgent},"username":${JSON.stringify(s.username)},${f.project},"uptime":${Math.max(0, now - s.createdAt)},` +
    `${f.address},"lastComm":${Math.max(0, now - s.lastCommAt)},${f.scope},"activePages":${s.pages.size},` +
    `"recentBytesSent":${s.recentBytesSent},"totalBytesSent":${s.totalBytesSent},${p.ids},"authorized":${s.loggedIn},` +
    `"totalBytesReceived":${s.totalBytesReceived},"messagesSent":${s.messagesSent},${f.creation},"state":"${s.state}",` +
    `${p.pages},${f.device},"roles":${JSON.stringify(s.roles)},"traffic":${trafficJson(s)}}`
  );
}

/** One row of the 7.9 dataset as JSON text. */
export function datasetRowJson(s: Session): string {
  const f = (s.fixedJson ??= fixedPieces(s));
  return `[${JSON.stringify(s.username)},${JSON.stringify(s.project)},${JSON.stringify(s.clientAddress)},${s.scope === 'designer'},${f.id},${f.creationIso}]`;
}

function fixedPieces(s: Session): FixedJson {
  const iso = JSON.stringify(new Date(s.createdAt).toISOString());
  return {
    idAndAgent: `"id":${JSON.stringify(s.id)},"userAgent":${JSON.stringify(s.userAgent)}`,
    project: `"project":${JSON.stringify(s.project)}`,
    address: `"clientAddress":${JSON.stringify(s.clientAddress)}`,
    scope: `"sessionScope":${JSON.stringify(s.scope)}`,
    creation: `"creationTime":${iso}`,
    device: `"device":${JSON.stringify(s.device)}`,
    id: JSON.stringify(s.id),
    creationIso: iso,
  };
}

function pagesPieces(s: Session): PagesJson {
  const ids: string[] = [];
  const pages: string[] = [];
  for (const p of s.pages.values()) {
    ids.push(p.id);
    pages.push(JSON.stringify(pageInfo(p)));
  }
  return { ids: `"pageIds":${JSON.stringify(ids)}`, pages: `"pages":[${pages.join(',')}]` };
}
