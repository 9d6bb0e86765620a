import { createHash } from 'node:crypto';

/**
 * The Lua scripts behind `RedisRegistry`. Each runs atomically in Redis, so
 * several central processes may publish, announce, look up and sweep the same
 * streams at once. Keys (with the configured prefix):
 *   name:<name>      string  the stream id the name is bound to (kept forever)
 *   stream:<id>      hash    name, live (1/0), ts (last accepted publish), edge (highest announced since)
 *   peers:<id>       zset    "host port" → expiresAt (ms)
 *   edges:<id>       zset    "host port" → edge
 *   sources:<id>     zset    "host port" → expiresAt, for the publisher's own entries (not viewers)
 *   visible          zset    stream id → visibleUntil (ms): the streams `list` shows
 * A member's entry is live while its expiresAt is after `now`.
 */

export interface RedisScript {
  readonly source: string;
  readonly sha: string;
  readonly keys: number;
}

function script(keys: number, source: string): RedisScript {
  return { source, keys, sha: createHash('sha1').update(source).digest('hex') };
}

// Removes the expired members of one stream from its sets; returns how many.
const PRUNE = `
local function prune(pk, ek, sk, now)
  local expired = redis.call('ZRANGEBYSCORE', pk, '-inf', now)
  for i = 1, #expired, 1000 do
    redis.call('ZREM', ek, unpack(expired, i, math.min(i + 999, #expired)))
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', pk, '-inf', now) end
  redis.call('ZREMRANGEBYSCORE', sk, '-inf', now)
  return #expired
end
`;

/** KEYS name, stream · ARGV id, name, live, ts → {result, detail?} */
export const PUBLISH = script(
  2,
  `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {'name-taken', holder} end
local current = redis.call('HMGET', KEYS[2], 'name', 'ts')
if current[1] and current[1] ~= ARGV[2] then return {'key-bound', current[1]} end
if current[2] and tonumber(ARGV[4]) <= tonumber(current[2]) then return {'replayed', current[2]} end
redis.call('SET', KEYS[1], ARGV[1])
-- A publish starts the stream over: its edge is raised again by the announces that follow.
redis.call('HSET', KEYS[2], 'name', ARGV[2], 'live', ARGV[3], 'ts', ARGV[4], 'edge', '0')
return {'published'}
`,
);

/** KEYS stream, peers, edges, visible, sources · ARGV id, member, expiresAt, edge, visibleUntil, live ('' leaves it), source (1/0) → 1 | 0 */
export const ANNOUNCE = script(
  5,
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
if ARGV[7] == '1' then redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2]) else redis.call('ZREM', KEYS[5], ARGV[2]) end
local edge = tonumber(redis.call('HGET', KEYS[1], 'edge') or '0')
if tonumber(ARGV[4]) > edge then redis.call('HSET', KEYS[1], 'edge', ARGV[4]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'live', ARGV[6]) end
redis.call('ZADD', KEYS[4], 'GT', ARGV[5], ARGV[1])
return 1
`,
);

/** KEYS peers, edges, visible, sources, stream · ARGV id, now, visibleUntil, member... → removed count */
export const LEAVE = script(
  5,
  `
local removed = redis.call('ZREM', KEYS[1], unpack(ARGV, 4))
redis.call('ZREM', KEYS[2], unpack(ARGV, 4))
redis.call('ZREM', KEYS[4], unpack(ARGV, 4))
if removed > 0 and redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf') == 0 then
  -- A stream that never had a chunk has nothing to watch: out of the list at once.
  local edge = tonumber(redis.call('HGET', KEYS[5], 'edge') or '0')
  redis.call('ZADD', KEYS[3], 'XX', edge > 0 and ARGV[3] or ARGV[2], ARGV[1])
end
return removed
`,
);

/**
 * KEYS name · ARGV prefix, now, maxCandidates
 * → nil | {id, name, live, edge, peers, {member, edge, member, edge, ...}, viewers}
 */
export const LOOKUP = script(
  1,
  `${PRUNE}
local id = redis.call('GET', KEYS[1])
if not id then return false end
local pk, ek, sk = ARGV[1] .. 'peers:' .. id, ARGV[1] .. 'edges:' .. id, ARGV[1] .. 'sources:' .. id
local info = redis.call('HMGET', ARGV[1] .. 'stream:' .. id, 'name', 'live', 'edge')
prune(pk, ek, sk, ARGV[2])
local count = redis.call('ZCARD', pk)
local viewers = count - redis.call('ZCARD', sk)
local max = tonumber(ARGV[3])
local picked
if count <= max then
  picked = redis.call('ZRANGE', ek, 0, -1, 'WITHSCORES')
else
  local top = math.ceil(max / 2)
  picked = redis.call('ZREVRANGE', ek, 0, top - 1, 'WITHSCORES')
  local random = redis.call('ZRANDMEMBER', ek, max - top, 'WITHSCORES')
  for i = 1, #random do picked[#picked + 1] = random[i] end
end
return {id, info[1] or '', info[2] or '0', info[3] or '0', count, picked, viewers}
`,
);

/** KEYS visible · ARGV prefix, now → {{id, name, live, edge, peers, viewers}, ...} for every visible stream */
export const STREAMS = script(
  1,
  `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf')
local out = {}
for _, id in ipairs(ids) do
  local info = redis.call('HMGET', ARGV[1] .. 'stream:' .. id, 'name', 'live', 'edge')
  local peers = redis.call('ZCOUNT', ARGV[1] .. 'peers:' .. id, '(' .. ARGV[2], '+inf')
  local sources = redis.call('ZCOUNT', ARGV[1] .. 'sources:' .. id, '(' .. ARGV[2], '+inf')
  out[#out + 1] = {id, info[1] or '', info[2] or '0', info[3] or '0', peers, peers - sources}
end
return out
`,
);

/** KEYS visible · ARGV prefix, now → {expired entries removed, streams taken out of list} */
export const SWEEP = script(
  1,
  `${PRUNE}
local removedPeers, removedStreams = 0, 0
local ids = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #ids, 2 do
  local id = ids[i]
  local pk, ek, sk = ARGV[1] .. 'peers:' .. id, ARGV[1] .. 'edges:' .. id, ARGV[1] .. 'sources:' .. id
  removedPeers = removedPeers + prune(pk, ek, sk, ARGV[2])
  if tonumber(ids[i + 1]) <= tonumber(ARGV[2]) then
    removedPeers = removedPeers + redis.call('ZCARD', pk)
    redis.call('DEL', pk, ek, sk)
    redis.call('ZREM', KEYS[1], id)
    removedStreams = removedStreams + 1
  end
end
return {removedPeers, removedStreams}
`,
);
