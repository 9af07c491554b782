import type { Session } from '../sessions/session.js';
import type { RollupRecord } from './store.js';

export const MINUTE_MS = 60_000;

interface Bucket {
  sessions: number;
  users: number;
  pages: number;
  bytesFromClients: number;
  bytesToClients: number;
  /** Changed since it was last handed to the journal. */
  dirty: boolean;
}

/** Byte totals of a session when last sampled. */
interface Seen {
  from: number;
  to: number;
}

/**
 * The per-minute rollup per project of one node, for charts: the most sessions listed, distinct
 * logged-in users and open pages seen at any sample in the minute, and the bytes each way that
 * moved in it. Sampled at every journal flush (not per message); the current minute's rows are
 * rewritten while they change, so a chart shows the minute in progress too.
 */
export class RollupSampler {
  private minute = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly seen = new WeakMap<Session, Seen>();
  private lastSampleAt = 0;

  constructor(private readonly node: string) {}

  private bucket(project: string): Bucket {
    let b = this.buckets.get(project);
    if (b === undefined) {
      b = { sessions: 0, users: 0, pages: 0, bytesFromClients: 0, bytesToClients: 0, dirty: true };
      this.buckets.set(project, b);
    }
    return b;
  }

  /** Bytes a session moved since it was last seen (its first sample: since it began, unless it is older, restored or joined). */
  private bytes(s: Session, into: Bucket): void {
    const prev =
      this.seen.get(s) ?? (s.createdAt >= this.lastSampleAt ? { from: 0, to: 0 } : { from: s.totalBytesSent, to: s.totalBytesReceived });
    const from = s.totalBytesSent - prev.from;
    const to = s.totalBytesReceived - prev.to;
    if (from > 0 || to > 0) {
      into.bytesFromClients += Math.max(0, from);
      into.bytesToClients += Math.max(0, to);
      into.dirty = true;
    }
    // One object per session for its life: sampling every second allocates nothing per session.
    if (this.seen.get(s) === prev) {
      prev.from = s.totalBytesSent;
      prev.to = s.totalBytesReceived;
    } else this.seen.set(s, { from: s.totalBytesSent, to: s.totalBytesReceived });
  }

  /** Samples the node's sessions now; returns the rows to write (the minute that ended, the current one while it changes). */
  sample(sessions: Iterable<Session>, now: number): RollupRecord[] {
    const minute = now - (now % MINUTE_MS);
    const out: RollupRecord[] = [];
    if (minute !== this.minute) {
      out.push(...this.take());
      this.buckets.clear();
      this.minute = minute;
    }
    const counts = new Map<string, { sessions: number; users: Set<string>; pages: number }>();
    for (const s of sessions) {
      let c = counts.get(s.project);
      if (c === undefined) {
        c = { sessions: 0, users: new Set(), pages: 0 };
        counts.set(s.project, c);
      }
      c.sessions++;
      if (s.loggedIn) c.users.add(s.username);
      c.pages += s.pages.size;
      this.bytes(s, this.bucket(s.project));
    }
    for (const [project, c] of counts) {
      const b = this.bucket(project);
      if (c.sessions > b.sessions || c.users.size > b.users || c.pages > b.pages) {
        b.sessions = Math.max(b.sessions, c.sessions);
        b.users = Math.max(b.users, c.users.size);
        b.pages = Math.max(b.pages, c.pages);
        b.dirty = true;
      }
    }
    this.lastSampleAt = now;
    out.push(...this.take());
    return out;
  }

  /** A session ends: the bytes it moved since its last sample still count in this minute. */
  final(s: Session): void {
    if (this.minute === 0) return;
    this.bytes(s, this.bucket(s.project));
  }

  /** Rows that changed since they were last taken. */
  private take(): RollupRecord[] {
    const out: RollupRecord[] = [];
    if (this.minute === 0) return out;
    for (const [project, b] of this.buckets) {
      if (!b.dirty) continue;
      b.dirty = false;
      out.push({
        minute: this.minute,
        project,
        node: this.node,
        sessions: b.sessions,
        users: b.users,
        pages: b.pages,
        bytesFromClients: b.bytesFromClients,
        bytesToClients: b.bytesToClients,
      });
    }
    return out;
  }
}
