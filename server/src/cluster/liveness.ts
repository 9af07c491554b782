import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';

/**
 * Which nodes beat, as the per-session scripts (lua.ts live_until) take it: they run in the
 * session's slot and cannot read the node keys (the `{prefix}` slot), so the caller reads
 * them just before and passes them in: when it read them (this node's clock), then
 * "\nnode\tbeat\n" per known node, beat -1 while it beats. A snapshot can be stale by a
 * round trip or a pass: a node seen beating that died since keeps its sessions alive one more
 * pass (the next pass sees it). A node seen silent that came back: a part it wrote after the
 * snapshot counts as on a beating node (its `flushedAt` is later; a node writes only once its
 * beat went through), so a session it re-announced is not ended again by a decision made on
 * the old view; a part it has not rewritten yet may be, and its re-announce (its alive key had
 * expired: redis-backend beat `lapsed`) or next write brings the session back from its ended
 * key. Clocks a few ms apart only shift these windows. A node that joined after the snapshot
 * counts as silent since 0 until it writes, which it does within a flush of its first session.
 */
export async function readLiveness(
  command: RedisClient,
  keys: Keys,
): Promise<{ text: string; beating: Set<string>; beats: Map<string, number> }> {
  const at = Date.now();
  const res0 = (await command.multi().smembers(keys.nodes).hgetall(keys.beats).exec()) ?? [];
  for (const [err] of res0) if (err) throw err;
  const nodes = (res0[0]?.[1] ?? []) as string[];
  const beats = (res0[1]?.[1] ?? {}) as Record<string, string>;
  const names = [...new Set([...nodes, ...Object.keys(beats)])];
  const pipe = command.pipeline();
  for (const n of names) pipe.exists(keys.alive(n));
  const res = (await pipe.exec()) ?? [];
  for (const [err] of res) if (err) throw err;
  const beating = new Set(names.filter((_, i) => res[i]?.[1] === 1));
  const last = new Map(names.map((n) => [n, Number(beats[n] ?? 0)]));
  let text = `${at}\n`;
  for (const n of names) text += `${n}\t${beating.has(n) ? -1 : last.get(n)}\n`;
  return { text, beating, beats: last };
}
