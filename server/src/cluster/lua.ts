/**
 * The Lua scripts, each confined to one slot so that it runs on Redis Cluster as on one
 * server: the per-session ones touch only that session's keys (parts, ended: tag
 * `{prefix:sid}`, see keys.ts), the node-level ones only `{prefix}` keys.
 *
 * What a per-session script cannot read (other slots) comes in as arguments, and what it
 * cannot write goes back to its caller (store.ts), which writes it in a step of its own:
 * - whether each node beats: a liveness snapshot (liveness.ts) read just before;
 * - the indexes (the node's set of sessions, the token keys, the retired set): an index is
 *   added before the data it finds and removed after it, then checked again (store.ts
 *   unindex): a crash between steps leaves an index entry too many, which readers skip
 *   and the reaper drops, never a part no index finds.
 */

/**
 * How long the parts of a session the cluster ended are kept, under the session's ended key,
 * when some part was not retired yet (its node was silent, or had not timed it out itself):
 * a node that still holds the session (back from a pause or a partition) then brings it back
 * with every part's counters instead of its own alone (PUT_SCRIPT).
 */
export const ENDED_KEEP_MS = 600_000;

/**
 * The same when every part was retired (the usual end: the last node let it go). Only a
 * resume in flight can still hold the session then: it read the session's parts just before
 * the end and writes its own part just after (a flush later at most, seconds on a loaded node).
 */
export const ENDED_JOIN_KEEP_MS = 30_000;

/**
 * Lua shared by the per-session scripts (KEYS[1]: parts(sid), KEYS[2]: ended(sid)).
 * `live_until`: until when a part keeps its session alive. A retired part never does (it
 * only keeps counters); a connected part on a beating node does without end; otherwise the
 * session timeout runs from when it disconnected or, if its node is silent, from the node's
 * last beat (whichever came first). Who beats comes from the liveness argument (liveness.ts:
 * when it was read, then "\nnode\tbeat\n" lines, beat -1 for a beating node); a node it does
 * not name counts as silent since 0, as a node without a beat always did; a part its node
 * wrote after the snapshot was read counts as on a beating node (it came back meanwhile). `end_session` ends it in its slot;
 * with `keep`, its parts go to the ended key for a while (ENDED_KEEP_MS, ENDED_JOIN_KEEP_MS)
 * instead of being deleted. The caller then removes the indexes (tokens, node sets).
 */
const LIVE_LUA = `
local function beat_of(live, node)
  local _, j = string.find(live, '\\n' .. node .. '\\t', 1, true)
  if j == nil then return 0 end
  return tonumber(string.match(live, '^(-?%d+)', j + 1))
end
local function live_until(live, node, p, timeout)
  if p.state == 'retired' then return nil end
  local since = nil
  if p.state == 'disconnected' then since = tonumber(p.disconnectedAt) end
  local beat = beat_of(live, node)
  -- A part written after the snapshot was read: its node beat since (it writes only then).
  local fresh = (tonumber(p.flushedAt) or 0) > (tonumber(string.match(live, '^(%d+)')) or 0)
  if beat >= 0 and not fresh and (since == nil or beat < since) then since = beat end
  if since == nil then return math.huge end
  return since + timeout
end
local function part_values(all)
  local out = {}
  for i = 2, #all, 2 do table.insert(out, all[i]) end
  return out
end
local function end_session(all, keep)
  local open = false
  for i = 1, #all, 2 do
    if cjson.decode(all[i + 1]).state ~= 'retired' then open = true end
  end
  if keep and #all > 0 then
    redis.call('RENAME', KEYS[1], KEYS[2])
    redis.call('PEXPIRE', KEYS[2], open and ${ENDED_KEEP_MS} or ${ENDED_JOIN_KEEP_MS})
  else
    redis.call('DEL', KEYS[1])
  end
end
`;

/**
 * Decides, atomically, whether a session still has a live part (see live_until); when it has
 * none it ends the session and returns {1, part, ...} (the parts as they were, for the one
 * history record of the end and for the caller to drop their indexes), or 1 when there was
 * nothing left (ended before). When it lives, parts left disconnected past the timeout (a
 * node's previous run, whose clients resumed elsewhere) are retired and returned: {0, part,
 * ...} (their nodes' sets lose the session after); otherwise 0.
 * KEYS: parts(sid), ended(sid). ARGV: now, timeoutMs, liveness, [node, partJson] (with the
 * last two, that part is first written as retired; into the ended key when the session has
 * ended already; the caller added the session to the retired set before).
 */
export const CHECK_SCRIPT = `${LIVE_LUA}
local now, timeout, live = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if ARGV[4] then
  -- Ended already (kept under its ended key): the part's last counters go there.
  if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
    return 1
  end
  redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return 1 end
local alive, expired = false, {}
for i = 1, #all, 2 do
  local p = cjson.decode(all[i + 1])
  local u = live_until(live, all[i], p, timeout)
  if u ~= nil and u > now then alive = true
  elseif u ~= nil and p.state == 'disconnected' then table.insert(expired, i) end
end
if not alive then
  end_session(all, true)
  local out = part_values(all)
  table.insert(out, 1, 1)
  return out
end
if #expired == 0 then return 0 end
-- A disconnected part has no pages: only its state changes. The pattern cannot occur inside
-- a JSON string (its quotes would be escaped), so the first match is the part's own state.
local out = {0}
for _, i in ipairs(expired) do
  local json = (string.gsub(all[i + 1], '"state":"disconnected"', '"state":"retired"', 1))
  redis.call('HSET', KEYS[1], all[i], json)
  table.insert(out, json)
end
return out
`;

/** What REAP_PART_SCRIPT did with a dead node's part of one session. */
export const REAPED = { kept: 0, ended: 1, dropped: 2, retired: 3 } as const;

/**
 * The reaper's decision on a dead node's part of one session, atomic with the decision
 * whether the session lives. The node is silent in the liveness snapshot (the caller checked
 * its beat is older than the node TTL); if it came back since and wrote its part, the part is
 * no longer what the reaper read (ARGV[5]) and nothing happens; if it came back without
 * writing yet, whatever is decided here its return undoes (it re-announces every live session,
 * reviving one ended meanwhile from the ended key: PUT_SCRIPT). The session ends when no part
 * is live; the part is retired (ARGV[6]: the same part with no pages, not connected, counters
 * kept) when another part keeps the session alive at least as long as it would; a missing or
 * retired part is dropped (the caller removes the session from the node's set). Otherwise the
 * part stays: it is what keeps its session listed and resumable.
 * KEYS: parts(sid), ended(sid). ARGV: now, timeoutMs, liveness, node, partAsRead, retiredPart.
 * Returns a REAPED value; when it ended the session, {1, part, ...} (the parts as they were).
 */
export const REAP_PART_SCRIPT = `${LIVE_LUA}
local now, timeout, live, dead = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return 1 end
local mine, mineUntil, best = nil, nil, nil
for i = 1, #all, 2 do
  local u = live_until(live, all[i], cjson.decode(all[i + 1]), timeout)
  if all[i] == dead then
    mine, mineUntil = all[i + 1], u
  elseif u ~= nil and u > now and (best == nil or u > best) then
    best = u
  end
end
if mine ~= nil and mine ~= ARGV[5] then return 0 end
if best == nil and (mineUntil == nil or mineUntil <= now) then
  end_session(all, true)
  local out = part_values(all)
  table.insert(out, 1, 1)
  return out
end
if mine == nil or mineUntil == nil then return 2 end
if best ~= nil and best >= mineUntil then
  redis.call('HSET', KEYS[1], dead, ARGV[6])
  return 3
end
return 0
`;

/**
 * Forgets a dead node that holds nothing, atomically with the checks: it does not beat, its
 * last beat is older than the node TTL, its index is empty. Returns 1 when it was forgotten.
 * KEYS: nodes, beats, nodeParts(node), alive(node) (all in the `{prefix}` slot).
 * ARGV: node, now, nodeTtlMs.
 */
export const FORGET_SCRIPT = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
local beat = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) - beat < tonumber(ARGV[3]) then return 0 end
if redis.call('SCARD', KEYS[3]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
`;

/** Takes the reaper lock, or renews it for its holder. KEYS: reaperLock. ARGV: node, ttlMs. Returns 1 when held. */
export const LOCK_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * Ends a session at once (admin close), keeping nothing: a node that still holds it (a frozen
 * one the close never reached) announces it again as it is. Returns its parts as they were.
 * KEYS: parts(sid), ended(sid).
 */
export const END_SCRIPT = `${LIVE_LUA}
local all = redis.call('HGETALL', KEYS[1])
end_session(all, false)
return part_values(all)
`;

/**
 * Writes a node's part of a session. When the cluster ended the session meanwhile (its parts
 * are under the ended key, see end_session) the node still holds it: a connected part brings
 * the session back with every part as it was, so no counter is lost, but only once the
 * caller has put back the indexes that find those parts: without ARGV[4] the ended parts are
 * returned, {2, part, ...}, and nothing is written (the caller re-indexes them and asks
 * again with ARGV[4] = '1'). A part without sockets is not written and 0 is returned (the
 * caller ends it too: its timeout ran out cluster-wide). With neither key (a Redis that lost
 * its data, an admin close) the part starts the session again on its own. The node's set and
 * the token key were written before (an index before the data it finds).
 * KEYS: parts(sid), ended(sid). ARGV: node, partJson, connected ('1' or '0'), revive.
 * Returns 1 when written.
 */
export const PUT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  if ARGV[3] ~= '1' then return 0 end
  if ARGV[4] ~= '1' then
    local all = redis.call('HVALS', KEYS[2])
    table.insert(all, 1, 2)
    return all
  end
  redis.call('RENAME', KEYS[2], KEYS[1])
  redis.call('PERSIST', KEYS[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;
