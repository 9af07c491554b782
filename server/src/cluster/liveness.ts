import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';

/**
 * Which nodes beat, as the per-session scripts (lua.ts live_until) take it: they run in the
 * session's slot and cannot read the node keys (the `{prefix}` slot), so the caller reads
 * them just before and passes them in, "\nnode\tbeat\n" per known node, beat -1 while it
 * beats. A snapshot can be stale by a round trip: a node seen beating that died since keeps
 * its sessions alive one more pass (the next pass sees it); a node seen silent that came
 * back found its alive key expired, so it re-announces every live session (redis-backend
 * beat: `lapsed`), which undoes an end or a retire decided meanwhile. A node that joined
 * after the snapshot counts as silent since 0: its parts are at most seconds old, and a
 * session it alone keeps alive is brought back by its next write if ended meanwhile.
 */
export async function readLiveness(
  command: RedisClient,
  keys: Keys,
): Promise<{ text: string; beating: Set<string>; beats: Map<string, number> }> {
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
  const at = new Map(names.map((n) => [n, Number(beats[n] ?? 0)]));
  let text = '\n';
  for (const n of names) text += `${n}\t${beating.has(n) ? -1 : at.get(n)}\n`;
  return { text, beating, beats: at };
}
