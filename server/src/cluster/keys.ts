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
 * Decides, atomically, whether a session still has a live part; when it has none it ends
 * the session everywhere (parts, token, indexes) and returns 1.
 * A part is live when it is connected on a beating node, or disconnected (or its node
 * silent) for less than the session timeout. Retired parts only keep counters.
 * KEYS: parts(sid), tokens, retired. ARGV: sid, now, timeoutMs, prefix, [node, partJson]
 * (with the last two, that part is first written as retired).
 */
export const CHECK_SCRIPT = `
local sid, now, timeout, prefix = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if ARGV[5] then
  redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
  redis.call('SADD', KEYS[3], sid)
end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then
  redis.call('SREM', KEYS[3], sid)
  return 1
end
local tokenHash = nil
for i = 1, #all, 2 do
  local node = all[i]
  local p = cjson.decode(all[i + 1])
  tokenHash = p.tokenHash
  if p.state ~= 'retired' then
    local beating = redis.call('EXISTS', '{' .. prefix .. '}:node:' .. node) == 1
    local since = nil
    if p.state == 'disconnected' then since = p.disconnectedAt end
    if not beating then
      local beat = tonumber(redis.call('HGET', '{' .. prefix .. '}:beats', node) or '0')
      if since == nil or beat < since then since = beat end
    end
    if since == nil or now - since < timeout then return 0 end
  end
end
for i = 1, #all, 2 do redis.call('SREM', '{' .. prefix .. '}:nodeparts:' .. all[i], sid) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], sid)
if tokenHash then redis.call('HDEL', KEYS[2], tokenHash) end
return 1
`;

/** Ends a session at once (admin close). KEYS: parts(sid), tokens, retired. ARGV: sid, prefix. */
export const END_SCRIPT = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  redis.call('SREM', '{' .. ARGV[2] .. '}:nodeparts:' .. all[i], ARGV[1])
  local p = cjson.decode(all[i + 1])
  if p.tokenHash then redis.call('HDEL', KEYS[2], p.tokenHash) end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
return #all / 2
`;
