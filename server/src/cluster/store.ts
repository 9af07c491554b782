import type { RedisClient } from './connect.js';
import { REAPED, type Keys } from './keys.js';
import { parsePart } from './records.js';
import type { PartRecord } from './types.js';

/**
 * Told once per session the cluster ends, by the node whose script decided it, with the parts
 * as they were at that moment: the one place a session's end is recorded (history), however
 * many nodes held it. `closed`: an admin ended it; `timeout`: no part lived any more.
 */
export type SessionEndSink = (sid: string, parts: PartRecord[], reason: 'timeout' | 'closed', now: number) => void;

/** The parts a script returned after deciding an end: {1, json, ...}; none when the session was gone already (1). */
function endedParts(r: unknown): PartRecord[] | undefined {
  if (r === 1) return [];
  if (!Array.isArray(r) || r[0] !== 1) return undefined;
  const out: PartRecord[] = [];
  for (const text of r.slice(1)) {
    const p = parsePart(typeof text === 'string' ? text : undefined);
    if (p) out.push(p);
  }
  return out;
}

/** How many sessions one reaper pass checks per dead node (and among retired parts). */
const REAP_BATCH = 2_000;

/** The parts as Redis holds them: reads, and the atomic end-of-session decisions (keys.ts scripts). */
export class PartStore {
  constructor(
    private readonly command: RedisClient,
    private readonly keys: Keys,
    private readonly sessionTimeoutMs: number,
    private readonly onEnded: SessionEndSink = () => undefined,
  ) {}

  /** A script ended `sid`: the sink hears of it when there were parts (else it had ended before). */
  private ended(sid: string, parts: PartRecord[], reason: 'timeout' | 'closed', now: number): void {
    if (parts.length > 0) this.onEnded(sid, parts, reason, now);
  }

  /** Every part of one session. */
  async sessionParts(sid: string): Promise<Map<string, PartRecord>> {
    const all = await this.command.hgetall(this.keys.parts(sid));
    const out = new Map<string, PartRecord>();
    for (const [node, text] of Object.entries(all)) {
      const p = parsePart(text);
      if (p) out.set(node, p);
    }
    return out;
  }

  /** One node's parts of the given sessions (undefined where it has none). */
  async partsAt(node: string, sids: readonly string[]): Promise<(PartRecord | undefined)[]> {
    const pipe = this.command.pipeline();
    for (const sid of sids) pipe.hget(this.keys.parts(sid), node);
    return ((await pipe.exec()) ?? []).map(([err, text]) => {
      if (err) throw err; // "not there" must mean not there
      return parsePart(text as string | null);
    });
  }

  /** The session a resume token names, if Redis knows it. */
  sessionOfToken(tokenHash: string): Promise<string | null> {
    return this.command.hget(this.keys.tokens, tokenHash);
  }

  /** Nodes holding parts of a session (`all`), and those of them that beat now. */
  async holders(sid: string): Promise<{ all: string[]; beating: string[] }> {
    const all = await this.command.hkeys(this.keys.parts(sid));
    if (all.length === 0) return { all, beating: [] };
    const pipe = this.command.pipeline();
    for (const n of all) pipe.exists(this.keys.alive(n));
    const res = (await pipe.exec()) ?? [];
    return { all, beating: all.filter((_, i) => res[i]?.[1] === 1) };
  }

  /** What one node last wrote of the parts it holds (those `keep` lets through). */
  async partsOfNode(node: string, keep: (p: PartRecord) => boolean): Promise<{ parts: PartRecord[] }> {
    const sids = await this.command.smembers(this.keys.nodeParts(node));
    const pipe = this.command.pipeline();
    for (const sid of sids) pipe.hget(this.keys.parts(sid), node);
    const parts: PartRecord[] = [];
    for (const r of (await pipe.exec()) ?? []) {
      const p = parsePart(r[1] as string | null);
      if (p && keep(p)) parts.push(p);
    }
    return { parts };
  }

  /**
   * Parts nodes let go of: retired ones (the counters of sessions that live on elsewhere) and
   * orphans left disconnected (see orphans()).
   */
  async retiredParts(keep: (p: PartRecord) => boolean): Promise<PartRecord[]> {
    const retired = await this.command.smembers(this.keys.retired);
    const pipe = this.command.pipeline();
    for (const sid of retired) pipe.hgetall(this.keys.parts(sid));
    const parts: PartRecord[] = [];
    for (const r of (await pipe.exec()) ?? []) {
      for (const text of Object.values((r[1] ?? {}) as Record<string, string>)) {
        const p = parsePart(text);
        if (p && p.state !== 'connected' && keep(p)) parts.push(p);
      }
    }
    return parts;
  }

  /**
   * Ends the session when it has no live part left; true when it did. With `retire`, that
   * node's part is first written as retired (atomically with the decision).
   */
  async check(sid: string, now: number, retire?: { node: string; json: string }): Promise<boolean> {
    const k = this.keys;
    const args = [sid, String(now), String(this.sessionTimeoutMs), k.prefix, ...(retire ? [retire.node, retire.json] : [])];
    const { ended, parts } = PartStore.checked(await this.command.stCheck(k.parts(sid), k.tokens, k.retired, ...args));
    if (ended) this.ended(sid, parts, 'timeout', now);
    return ended;
  }

  /** CHECK_SCRIPT's answer: ended (with the parts it ended), or the parts it retired. */
  private static checked(r: unknown): { ended: boolean; parts: PartRecord[]; retired: PartRecord[] } {
    const parts = endedParts(r);
    if (parts) return { ended: true, parts, retired: [] };
    const retired: PartRecord[] = [];
    if (Array.isArray(r))
      for (const text of r.slice(1)) {
        const p = parsePart(typeof text === 'string' ? text : undefined);
        if (p) retired.push(p);
      }
    return { ended: false, parts: [], retired };
  }

  /** Ends a session at once, everywhere (admin close). */
  async end(sid: string): Promise<void> {
    const k = this.keys;
    const r = await this.command.stEnd(k.parts(sid), k.tokens, k.retired, sid, k.prefix);
    this.ended(sid, endedParts([1, ...(Array.isArray(r) ? r : [])]) ?? [], 'closed', Date.now());
  }

  /**
   * One reaper pass over a dead node (silent for `nodeTtlMs`): each of its parts ends its
   * session when no part is live, or is retired when the session lives on elsewhere (see
   * REAP_PART_SCRIPT); once it holds nothing, the node is forgotten. Returns the ended
   * sessions, the parts retired, and whether the node was forgotten.
   */
  async reapNode(node: string, now: number, nodeTtlMs: number): Promise<{ ended: string[]; retired: PartRecord[]; forgotten: boolean }> {
    const k = this.keys;
    const ended: string[] = [];
    const retired: PartRecord[] = [];
    const sids = await this.command.srandmember(k.nodeParts(node), REAP_BATCH);
    if (sids.length > 0) {
      const read = this.command.pipeline();
      for (const sid of sids) read.hget(k.parts(sid), node);
      const found = (await read.exec()) ?? [];
      const asRetired: (PartRecord | undefined)[] = [];
      const decide = this.command.pipeline();
      sids.forEach((sid, i) => {
        const text = (found[i]?.[1] as string | null) ?? '';
        const p = parsePart(text);
        // Not connected, no pages, counters kept: what the session's totals still add up.
        const q: PartRecord | undefined = p && { ...p, state: 'retired', pages: [], flushedAt: now };
        asRetired.push(q);
        const args = [sid, String(now), String(this.sessionTimeoutMs), k.prefix, node, String(nodeTtlMs), text, q ? JSON.stringify(q) : ''];
        decide.stReapPart(k.parts(sid), k.tokens, k.retired, k.nodeParts(node), ...args);
      });
      const res = (await decide.exec()) ?? [];
      sids.forEach((sid, i) => {
        const r = res[i]?.[1];
        const q = asRetired[i];
        const parts = endedParts(r);
        if (parts) {
          ended.push(sid);
          this.ended(sid, parts, 'timeout', now);
        } else if (r === REAPED.retired && q) retired.push(q);
      });
    }
    const forgotten =
      (await this.command.stForget(k.nodes, k.beats, k.nodeParts(node), k.alive(node), node, String(now), String(nodeTtlMs))) === 1;
    return { ended, retired, forgotten };
  }

  /**
   * Parts Redis holds for a node that its registry no longer has. Those in `endedHere` ended
   * on this node while Redis was out of reach: they are retired now, which ends their session
   * unless another part lives. The others belong to the node's previous run: a connected one
   * is rewritten as disconnected from `now` (its clients may still resume within the session
   * timeout) and goes where the reaper looks. Returns the rewritten parts and ended sessions.
   */
  async orphans(
    node: string,
    live: (sid: string) => boolean,
    endedHere: ReadonlySet<string>,
    now: number,
  ): Promise<{ rewritten: PartRecord[]; ended: string[] }> {
    const k = this.keys;
    const sids = (await this.command.smembers(k.nodeParts(node))).filter((sid) => !live(sid));
    const out = { rewritten: [] as PartRecord[], ended: [] as string[] };
    if (sids.length === 0) return out;
    const read = this.command.pipeline();
    for (const sid of sids) read.hget(k.parts(sid), node);
    const found = (await read.exec()) ?? [];
    const write = this.command.pipeline();
    const retire: PartRecord[] = [];
    sids.forEach((sid, i) => {
      const p = parsePart(found[i]?.[1] as string | null);
      if (!p) {
        write.srem(k.nodeParts(node), sid); // an index entry without its part
      } else if (endedHere.has(sid)) {
        if (p.state !== 'retired') retire.push({ ...p, state: 'retired', pages: [], flushedAt: now });
      } else if (p.state === 'connected') {
        const q: PartRecord = { ...p, state: 'disconnected', disconnectedAt: now, pages: [], flushedAt: now };
        write.hset(k.parts(sid), node, JSON.stringify(q));
        write.sadd(k.retired, sid);
        out.rewritten.push(q);
      } else {
        write.sadd(k.retired, sid);
      }
    });
    await write.exec();
    for (const q of retire) {
      if (await this.check(q.sid, now, { node, json: JSON.stringify(q) })) out.ended.push(q.sid);
      else out.rewritten.push(q);
    }
    return out;
  }

  /**
   * Among sessions with retired or orphaned parts: ends those whose live parts are all gone,
   * and retires the parts left disconnected past the timeout of those that live on.
   */
  async reapRetired(now: number): Promise<{ ended: string[]; retired: PartRecord[] }> {
    const k = this.keys;
    const out = { ended: [] as string[], retired: [] as PartRecord[] };
    const sids = await this.command.srandmember(k.retired, REAP_BATCH);
    if (sids.length === 0) return out;
    const pipe = this.command.pipeline();
    for (const sid of sids) pipe.stCheck(k.parts(sid), k.tokens, k.retired, sid, String(now), String(this.sessionTimeoutMs), k.prefix);
    const res = (await pipe.exec()) ?? [];
    sids.forEach((sid, i) => {
      const r = res[i];
      if (!r || r[0]) return;
      const { ended, parts, retired } = PartStore.checked(r[1]);
      if (ended) {
        out.ended.push(sid);
        this.ended(sid, parts, 'timeout', now);
      } else for (const p of retired) out.retired.push(p);
    });
    return out;
  }
}
