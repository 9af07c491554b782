/**
 * Redis key names, laid out for Redis Cluster (the same names serve one server).
 *
 * - Cluster-level and node-level keys (node list, beats, alive keys, node indexes, the
 *   retired index, reaper lock, watched flag) carry the hash tag `{prefix}`: one slot, so
 *   the beat's MULTI and the reaper's FORGET_SCRIPT see them together. They are written at
 *   the beat's pace and on session churn, never per part write.
 * - A session's keys (its parts, its ended parts) carry the tag `{prefix:sid}`: one session
 *   lives in one slot, so each per-session script (lua.ts) is atomic, and sessions spread
 *   over every slot, hence every master. Part writes, the bulk of the traffic, go there.
 * - A resume token's key carries `{prefix:tok:hash}`: a resume looks its session up by the
 *   token alone, so the token map spreads too instead of one hash on one master.
 * - A large query answer carries `{prefix:ans:id}`: stored once, read once, anywhere.
 * Pub/sub channel names are not keys (classic pub/sub reaches every master).
 */
export class Keys {
  readonly nodes: string;
  readonly beats: string;
  /** SET of sessions some node let go of a part of (retired, orphaned): the reaper's and gather's hint. */
  readonly retired: string;
  readonly requests: string;
  readonly logins: string;
  readonly reaperLock: string;
  /** Pub/sub channel of part writes and session ends, for live feeds. */
  readonly changes: string;
  /** Exists (TTL) while some node has a live feed: nodes then publish their writes. */
  readonly watched: string;

  constructor(readonly prefix: string) {
    const p = `{${prefix}}`;
    this.nodes = `${p}:nodes`;
    this.beats = `${p}:beats`;
    this.retired = `${p}:retired`;
    this.requests = `${p}:req`;
    this.logins = `${p}:login`;
    this.reaperLock = `${p}:reaper`;
    this.changes = `${p}:chg`;
    this.watched = `${p}:watched`;
  }

  /** Exists while the node beats (TTL). */
  alive(node: string): string {
    return `{${this.prefix}}:node:${node}`;
  }

  /** HASH node -> part JSON. */
  parts(sid: string): string {
    return `{${this.prefix}:${sid}}:parts`;
  }

  /** A session's parts as they were when the cluster ended it (see ENDED_KEEP_MS), in its slot. */
  ended(sid: string): string {
    return `{${this.prefix}:${sid}}:ended`;
  }

  /** The session a resume token (its hash) names: a string key of its own slot. */
  token(tokenHash: string): string {
    return `{${this.prefix}:tok:${tokenHash}}`;
  }

  /** SET of session ids a node holds unretired parts of. */
  nodeParts(node: string): string {
    return `{${this.prefix}}:nodeparts:${node}`;
  }

  /** A large query reply, stored for its asker to read once. */
  answer(id: string, node: string): string {
    return `{${this.prefix}:ans:${id}}:${node}`;
  }

  replies(node: string): string {
    return `{${this.prefix}}:rep:${node}`;
  }
}
