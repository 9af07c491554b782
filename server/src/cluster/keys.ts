/**
 * Redis key names. Every key carries the hash tag `{prefix}` so that all of them live in one
 * slot: scripts and pipelines then work the same on Redis Cluster as on a single server.
 */
export class Keys {
  readonly nodes: string;
  readonly beats: string;
  readonly tokens: string;
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
    this.tokens = `${p}:tok`;
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
    return `{${this.prefix}}:parts:${sid}`;
  }

  /** A session's parts as they were when the cluster ended it (see ENDED_KEEP_MS). */
  ended(sid: string): string {
    return `{${this.prefix}}:ended:${sid}`;
  }

  /** SET of session ids a node holds parts of. */
  nodeParts(node: string): string {
    return `{${this.prefix}}:nodeparts:${node}`;
  }

  /** A large query reply, stored for its asker to read once. */
  answer(id: string, node: string): string {
    return `{${this.prefix}}:ans:${id}:${node}`;
  }

  replies(node: string): string {
    return `{${this.prefix}}:rep:${node}`;
  }
}

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
 * Lua shared by the scripts below (KEYS[1]: parts(sid), KEYS[2]: tokens, KEYS[3]: retired).
 * `live_until`: until when a part keeps its session alive. A retired part never does
 * (it only keeps counters); a connected part on a beating node does without end; otherwise
 * the session timeout runs from when it disconnected or, if its node is silent, from the
 * node's last beat (whichever came first). `end_session` ends it everywhere: parts, token,
 * indexes; with `keep`, its parts go to the session's ended key for a while (ENDED_KEEP_MS,
 * ENDED_JOIN_KEEP_MS) instead of being deleted.
 */
const LIVE_LUA = `
local function live_until(prefix, node, p, timeout)
  if p.state == 'retired' then return nil end
  local beating = redis.call('EXISTS', '{' .. prefix .. '}:node:' .. node) == 1
  local since = nil
  if p.state == 'disconnected' then since = tonumber(p.disconnectedAt) end
  if not beating then
    local beat = tonumber(redis.call('HGET', '{' .. prefix .. '}:beats', node) or '0')
    if since == nil or beat < since then since = beat end
  end
  if since == nil then return math.huge end
  return since + timeout
end
local function part_values(all)
  local out = {}
  for i = 2, #all, 2 do table.insert(out, all[i]) end
  return out
end
local function end_session(all, sid, prefix, keep)
  local open = false
  for i = 1, #all, 2 do
    redis.call('SREM', '{' .. prefix .. '}:nodeparts:' .. all[i], sid)
    local p = cjson.decode(all[i + 1])
    if p.tokenHash then redis.call('HDEL', KEYS[2], p.tokenHash) end
    if p.state ~= 'retired' then open = true end
  end
  if keep and #all > 0 then
    local ended = '{' .. prefix .. '}:ended:' .. sid
    redis.call('RENAME', KEYS[1], ended)
    redis.call('PEXPIRE', ended, open and ${ENDED_KEEP_MS} or ${ENDED_JOIN_KEEP_MS})
  else
    redis.call('DEL', KEYS[1])
  end
  redis.call('SREM', KEYS[3], sid)
end
`;

/**
 * Decides, atomically, whether a session still has a live part (see live_until); when it has
 * none it ends the session everywhere and returns {1, part, ...} (the parts as they were, for
 * the one history record of the end), or 1 when there was nothing left (ended before). When it lives, parts left disconnected
 * past the timeout (a node's previous run, whose clients resumed elsewhere) are retired
 * (their node holds nothing of it any more) and returned: {0, part, ...}; otherwise 0.
 * KEYS: parts(sid), tokens, retired. ARGV: sid, now, timeoutMs, prefix, [node, partJson]
 * (with the last two, that part is first written as retired; into the ended key when the
 * session has ended already).
 */
export const CHECK_SCRIPT = `${LIVE_LUA}
local sid, now, timeout, prefix = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if ARGV[5] then
  -- Ended already (kept under its ended key): the part's last counters go there.
  local ended = '{' .. prefix .. '}:ended:' .. sid
  if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', ended) == 1 then
    redis.call('HSET', ended, ARGV[5], ARGV[6])
    return 1
  end
  redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
  redis.call('SADD', KEYS[3], sid)
end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then
  redis.call('SREM', KEYS[3], sid)
  return 1
end
local live, expired = false, {}
for i = 1, #all, 2 do
  local p = cjson.decode(all[i + 1])
  local u = live_until(prefix, all[i], p, timeout)
  if u ~= nil and u > now then live = true
  elseif u ~= nil and p.state == 'disconnected' then table.insert(expired, i) end
end
if not live then
  end_session(all, sid, prefix, true)
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
  redis.call('SREM', '{' .. prefix .. '}:nodeparts:' .. all[i], sid)
  table.insert(out, json)
end
redis.call('SADD', KEYS[3], sid)
return out
`;

/** What REAP_PART_SCRIPT did with a dead node's part of one session. */
export const REAPED = { kept: 0, ended: 1, dropped: 2, retired: 3 } as const;

/**
 * The reaper's decision on a dead node's part of one session, atomic with the decision
 * whether the session lives: nothing while the node beats again (it was slow, or came back);
 * the session ends when no part is live; the part is retired (ARGV[8]: the same part with no
 * pages, not connected, counters kept) when another part keeps the session alive at least as
 * long as it would, and only if it is still what the reaper read (ARGV[7]); a part already
 * retired (or missing) leaves the node's index. Then the node holds nothing of the session.
 * Otherwise the part stays: it is what keeps its session listed and resumable.
 * KEYS: parts(sid), tokens, retired, nodeParts(node).
 * ARGV: sid, now, timeoutMs, prefix, node, nodeTtlMs, partAsRead, retiredPart.
 * Returns a REAPED value; when it ended the session, {1, part, ...} (the parts as they were).
 */
export const REAP_PART_SCRIPT = `${LIVE_LUA}
local sid, now, timeout, prefix, dead, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
if redis.call('EXISTS', '{' .. prefix .. '}:node:' .. dead) == 1 then return 0 end
local beat = tonumber(redis.call('HGET', '{' .. prefix .. '}:beats', dead) or '0')
if now - beat < ttl then return 0 end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then
  redis.call('SREM', KEYS[3], sid)
  redis.call('SREM', KEYS[4], sid)
  return 1
end
local mine, mineUntil, best = nil, nil, nil
for i = 1, #all, 2 do
  local u = live_until(prefix, all[i], cjson.decode(all[i + 1]), timeout)
  if all[i] == dead then
    mine, mineUntil = all[i + 1], u
  elseif u ~= nil and u > now and (best == nil or u > best) then
    best = u
  end
end
if best == nil and (mineUntil == nil or mineUntil <= now) then
  end_session(all, sid, prefix, true)
  local out = part_values(all)
  table.insert(out, 1, 1)
  return out
end
if mine == nil or mineUntil == nil then
  redis.call('SREM', KEYS[4], sid)
  return 2
end
if best ~= nil and best >= mineUntil then
  if mine ~= ARGV[7] then return 0 end
  redis.call('HSET', KEYS[1], dead, ARGV[8])
  redis.call('SADD', KEYS[3], sid)
  redis.call('SREM', KEYS[4], sid)
  return 3
end
return 0
`;

/**
 * Forgets a dead node that holds nothing, atomically with the checks: it does not beat, its
 * last beat is older than the node TTL, its index is empty. Returns 1 when it was forgotten.
 * KEYS: nodes, beats, nodeParts(node), alive(node). ARGV: node, now, nodeTtlMs.
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
 * KEYS: parts(sid), tokens, retired. ARGV: sid, prefix.
 */
export const END_SCRIPT = `${LIVE_LUA}
local all = redis.call('HGETALL', KEYS[1])
end_session(all, ARGV[1], ARGV[2], false)
return part_values(all)
`;

/**
 * Writes a node's part of a session, with the indexes that find it (its node's set, its
 * token). When the cluster ended the session meanwhile (its parts are under the ended key,
 * see end_session) the node still holds it: a connected part brings the session back with
 * every part as it was (their indexes and tokens too), so no counter is lost; a part without
 * sockets is not written and 0 is returned (the caller ends it too: its timeout ran out
 * cluster-wide). With neither key (a Redis that lost its data, an admin close) the part starts
 * the session again on its own.
 * KEYS: parts(sid), ended(sid), tokens, retired, nodeParts(node).
 * ARGV: sid, node, partJson, tokenHash, connected ('1' or '0'), prefix. Returns 1 when written.
 */
export const PUT_SCRIPT = `
local sid, node, prefix = ARGV[1], ARGV[2], ARGV[6]
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  if ARGV[5] ~= '1' then return 0 end
  redis.call('RENAME', KEYS[2], KEYS[1])
  redis.call('PERSIST', KEYS[1])
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    if all[i] ~= node then
      local p = cjson.decode(all[i + 1])
      if p.tokenHash then redis.call('HSET', KEYS[3], p.tokenHash, sid) end
      if p.state ~= 'retired' then redis.call('SADD', '{' .. prefix .. '}:nodeparts:' .. all[i], sid) end
      if p.state ~= 'connected' then redis.call('SADD', KEYS[4], sid) end
    end
  end
end
redis.call('HSET', KEYS[1], node, ARGV[3])
redis.call('SADD', KEYS[5], sid)
redis.call('HSET', KEYS[3], ARGV[4], sid)
return 1
`;
