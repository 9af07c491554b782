import type { EndReason } from '@session-tracker/shared';
import { Batch } from './batch.js';
import type { RedisClient } from './connect.js';
import { Indexes } from './indexes.js';
import type { Keys } from './keys.js';
import { readLiveness } from './liveness.js';
import { REAPED } from './lua.js';
import { parsePart } from './records.js';
import type { PartRecord } from './types.js';

/**
 * Told once per session the cluster ends, by the node whose script decided it, with the parts
 * as they were at that moment: the one place a session's end is recorded (history), however
 * many nodes held it. `closed`: an admin ended it; `timeout`: no part lived any more.
 */
export type SessionEndSink = (sid: string, parts: PartRecord[], reason: EndReason, now: number) => void;

/** The parts a script returned after deciding an end: {1, json, ...}; none when the session was gone already (1). */
function endedParts(r: unknown): PartRecord[] | undefined {
  if (r === 1) return [];
  if (!Array.isArray(r) || r[0] !== 1) return undefined;
  return partsIn(r.slice(1));
}

function partsIn(texts: readonly unknown[]): PartRecord[] {
  const out: PartRecord[] = [];
  for (const text of texts) {
    const p = parsePart(typeof text === 'string' ? text : undefined);
    if (p) out.push(p);
  }
  return out;
}

/** How many sessions one reaper pass checks per dead node (and among retired parts). */
const REAP_BATCH = 2_000;

/**
 * The parts as Redis holds them: reads, and the atomic end-of-session decisions (lua.ts
 * scripts, each in its session's slot), with their indexes kept in order (indexes.ts).
 */
export class PartStore {
  readonly indexes: Indexes;

  constructor(
    private readonly command: RedisClient,
    private readonly keys: Keys,
    private readonly sessionTimeoutMs: number,
    private readonly onEnded: SessionEndSink = () => undefined,
  ) {
    this.indexes = new Indexes(command, keys);
  }

  /** A script ended `sid`: the sink hears of it when there were parts (else it had ended before). */
  private ended(sid: string, parts: PartRecord[], reason: EndReason, now: number): void {
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

  /** One node's part of each session (undefined where it has none). */
  private async nodeOf(node: string, sids: readonly string[]): Promise<(string | null)[]> {
    const k = this.keys;
    const read = new Batch(this.command);
    for (const sid of sids) read.add(k.parts(sid), (p) => p.hget(k.parts(sid), node));
    return (await read.exec()).map(([err, text]) => {
      if (err) throw err; // "not there" must mean not there
      return (text as string | null) ?? null;
    });
  }

  /** One node's parts of the given sessions (undefined where it has none). */
  async partsAt(node: string, sids: readonly string[]): Promise<(PartRecord | undefined)[]> {
    return (await this.nodeOf(node, sids)).map((text) => parsePart(text));
  }

  /** The session a resume token names, if Redis knows it. */
  sessionOfToken(tokenHash: string): Promise<string | null> {
    return this.command.get(this.keys.token(tokenHash));
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
    const parts: PartRecord[] = [];
    for (const text of await this.nodeOf(node, sids)) {
      const p = parsePart(text);
      if (p && keep(p)) parts.push(p);
    }
    return { parts };
  }

  /**
   * Parts nodes let go of: retired ones (the counters of sessions that live on elsewhere) and
   * orphans left disconnected (see orphans()).
   */
  async retiredParts(keep: (p: PartRecord) => boolean): Promise<PartRecord[]> {
    const k = this.keys;
    const retired = await this.command.smembers(k.retired);
    const read = new Batch(this.command);
    for (const sid of retired) read.add(k.parts(sid), (p) => p.hvals(k.parts(sid)));
    const parts: PartRecord[] = [];
    for (const [err, texts] of await read.exec()) {
      if (err) throw err;
      for (const p of partsIn((texts ?? []) as string[])) if (p.state !== 'connected' && keep(p)) parts.push(p);
    }
    return parts;
  }

  /**
   * Ends the session when it has no live part left; true when it did. With `retire`, that
   * node's part is first written as retired (atomically with the decision; the session
   * joins the retired set before, so its counters are found from then on).
   */
  async check(sid: string, now: number, retire?: { node: string; json: string }): Promise<boolean> {
    const k = this.keys;
    if (retire) await this.command.sadd(k.retired, sid);
    const live = (await readLiveness(this.command, k)).text;
    const args = [String(now), String(this.sessionTimeoutMs), live, ...(retire ? [retire.node, retire.json] : [])];
    const { ended, parts, retired } = PartStore.checked(await this.command.stCheck(k.parts(sid), k.ended(sid), ...args));
    if (ended) {
      await this.indexes.ended([{ sid, parts }], false);
      this.ended(sid, parts, 'timeout', now);
    }
    for (const p of retired) await this.indexes.released(p.node, [sid]);
    return ended;
  }

  /** CHECK_SCRIPT's answer: ended (with the parts it ended), or the parts it retired. */
  private static checked(r: unknown): { ended: boolean; parts: PartRecord[]; retired: PartRecord[] } {
    const parts = endedParts(r);
    if (parts) return { ended: true, parts, retired: [] };
    return { ended: false, parts: [], retired: Array.isArray(r) ? partsIn(r.slice(1)) : [] };
  }

  /** Ends a session at once, everywhere (admin close). */
  async end(sid: string): Promise<void> {
    const k = this.keys;
    const r = await this.command.stEnd(k.parts(sid), k.ended(sid));
    const parts = partsIn(Array.isArray(r) ? r : []);
    await this.indexes.ended([{ sid, parts }], true);
    this.ended(sid, parts, 'closed', Date.now());
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
    const liveness = await readLiveness(this.command, k);
    // Came back (or is no longer past its TTL) since the reaper looked: nothing to do.
    if (liveness.beating.has(node) || now - (liveness.beats.get(node) ?? 0) < nodeTtlMs) return { ended, retired, forgotten: false };
    if (sids.length > 0) {
      const found = await this.nodeOf(node, sids);
      const asRetired: (PartRecord | undefined)[] = [];
      // Whatever gets retired is in the retired set first (an index before what it finds).
      await this.command.sadd(k.retired, ...sids);
      const decide = new Batch(this.command);
      sids.forEach((sid, i) => {
        const text = found[i] ?? '';
        const p = parsePart(text);
        // Not connected, no pages, counters kept: what the session's totals still add up.
        const q: PartRecord | undefined = p && { ...p, state: 'retired', pages: [], flushedAt: now };
        asRetired.push(q);
        const args = [String(now), String(this.sessionTimeoutMs), liveness.text, node, text, q ? JSON.stringify(q) : ''];
        decide.add(k.parts(sid), (pipe) => pipe.stReapPart(k.parts(sid), k.ended(sid), ...args));
      });
      const res = await decide.exec();
      const gone: { sid: string; parts: PartRecord[] }[] = [];
      const released: string[] = [];
      sids.forEach((sid, i) => {
        const [err, r] = res[i] ?? [new Error('no reply'), null];
        if (err) return;
        const q = asRetired[i];
        const parts = endedParts(r);
        if (parts && parts.length > 0) {
          ended.push(sid);
          gone.push({ sid, parts });
          this.ended(sid, parts, 'timeout', now);
        } else if (parts || r === REAPED.dropped) released.push(sid);
        else if (r === REAPED.retired && q) {
          retired.push(q);
          released.push(sid);
        }
      });
      await this.indexes.ended(gone, false);
      await this.indexes.released(node, released);
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
    const found = await this.nodeOf(node, sids);
    const write = new Batch(this.command);
    const retire: PartRecord[] = [];
    const missing: string[] = [];
    const letGo: string[] = [];
    sids.forEach((sid, i) => {
      const p = parsePart(found[i]);
      if (!p) {
        missing.push(sid); // an index entry without its part
      } else if (endedHere.has(sid)) {
        if (p.state !== 'retired') retire.push({ ...p, state: 'retired', pages: [], flushedAt: now });
      } else if (p.state === 'connected') {
        const q: PartRecord = { ...p, state: 'disconnected', disconnectedAt: now, pages: [], flushedAt: now };
        write.add(k.parts(sid), (pipe) => pipe.hset(k.parts(sid), node, JSON.stringify(q)));
        letGo.push(sid);
        out.rewritten.push(q);
      } else {
        letGo.push(sid);
      }
    });
    // The retired set first: it is what finds these parts once disconnected.
    if (letGo.length > 0) await this.command.sadd(k.retired, ...letGo);
    await write.exec();
    await this.indexes.released(node, missing);
    for (const q of retire) {
      if (await this.check(q.sid, now, { node, json: JSON.stringify(q) })) out.ended.push(q.sid);
      else out.rewritten.push(q);
    }
    return out;
  }

  /**
   * Among sessions with retired or orphaned parts: ends those whose live parts are all gone,
   * and retires the parts left disconnected past the timeout of those that live on. A session
   * gone from Redis leaves the retired set (and comes back to it if revived meanwhile).
   */
  async reapRetired(now: number): Promise<{ ended: string[]; retired: PartRecord[] }> {
    const k = this.keys;
    const out = { ended: [] as string[], retired: [] as PartRecord[] };
    const sids = await this.command.srandmember(k.retired, REAP_BATCH);
    if (sids.length === 0) return out;
    const live = (await readLiveness(this.command, k)).text;
    const pipe = new Batch(this.command);
    for (const sid of sids)
      pipe.add(k.parts(sid), (p) => p.stCheck(k.parts(sid), k.ended(sid), String(now), String(this.sessionTimeoutMs), live));
    const res = await pipe.exec();
    const gone: { sid: string; parts: PartRecord[] }[] = [];
    const released = new Map<string, string[]>();
    sids.forEach((sid, i) => {
      const r = res[i];
      if (!r || r[0]) return;
      const { ended, parts, retired } = PartStore.checked(r[1]);
      if (ended) {
        gone.push({ sid, parts });
        if (parts.length > 0) {
          out.ended.push(sid);
          this.ended(sid, parts, 'timeout', now);
        }
      } else
        for (const p of retired) {
          out.retired.push(p);
          released.set(p.node, [...(released.get(p.node) ?? []), sid]);
        }
    });
    await this.indexes.ended(gone, true);
    for (const [node, list] of released) await this.indexes.released(node, list);
    return out;
  }
}
