import { createHash } from 'node:crypto';
import { LONG_LIVED_SHARE } from './peer-sampling.js';

/**
 * The Lua scripts behind `RedisRegistry`. Each runs atomically on one node and
 * touches only the keys it is given (so it runs on Redis Cluster: every
 * script's keys share one hash tag). Keys, after the configured prefix:
 *
 *   name:<name>            string  the stream id the name is bound to (kept forever once confirmed)
 *   {<id>}:stream          hash    name, live (1/0), ts and session (of the last accepted publish), edge (highest
 *                                  announced since), visible (visibleUntil ms), ver (bumped on
 *                                  each change the index hears of), ipeers/inlist (what it heard),
 *                                  hedge, hts, hat, hend: the newest verified head of the session (edge,
 *                                  the publisher's ts, central's time it was taken, 1 once it is the end),
 *                                  pmin: no entry expires before it (absent: not known)
 *   {<id>}:peers           zset    "host port" → expiresAt (ms)
 *   {<id>}:edges           zset    "host port" → edge
 *   {<id>}:sources         zset    "host port" → expiresAt, the publisher's own entries (not viewers)
 *   {<id>}:since           zset    "host port" → when the entry was first announced (renewals keep it)
 *   {<id>}:hosts           hash    host → how many of the stream's entries (live or not yet pruned) it holds
 *   {<id>}:entries         hash    "host port" → "<since> <source 1/0> <reachable 1/0/->": what a renewal rarely
 *                                  changes, in one field (the zsets above order entries; this answers for one)
 *   {index}:list           zset    stream id → entries, for the streams `list` shows
 *   {index}:due            zset    stream id → when the sweep should next look at the stream
 *   {index}:vers           hash    stream id → the last `ver` the index applied (older news is dropped)
 *   {index}:totals         hash    streams, peers: the sums `counts` answers with
 *
 * A stream's scripts (its seven `{<id>}` keys) report what changed as
 * `ver, entries, due` (entries -1: out of the list); the caller passes that to
 * INDEX, which applies it to the `{index}` keys unless newer news came first.
 * An entry is live while its expiresAt is after `now`.
 *
 * The common operations skip what changes nothing: a renewal of a live entry
 * announced before `pmin` writes its expiry, its edge and the stream's hash (5
 * calls); a look-up of a stream with at most `maxCandidates` entries and nothing
 * due reads three keys whole (3 calls), whatever it picks.
 */

export interface RedisScript {
  readonly source: string;
  readonly sha: string;
  readonly keys: number;
}

export function script(keys: number, source: string): RedisScript {
  return { source, keys, sha: createHash('sha1').update(source).digest('hex') };
}

/** Expired entries removed per stream per script: a huge stream is pruned over several calls. */
export const PRUNE_STEP = 1000;

// KEYS[1..7] are a stream's hash, peers, edges, sources, since, hosts and entries in every script that includes this.
const STREAM_FUNCTIONS = `
-- pmin of a stream with no entries: any announce lowers it.
local NO_ENTRIES = '9007199254740991'
-- An entry ("host port") no longer counts for its host.
local function uncount(member)
  local host = string.match(member, '^(.*) ')
  if redis.call('HINCRBY', KEYS[6], host, -1) <= 0 then redis.call('HDEL', KEYS[6], host) end
end
-- Removes up to ${PRUNE_STEP} expired entries; returns how many, and the earliest expiry left (the new pmin).
local function prune(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ${PRUNE_STEP})
  if #expired > 0 then
    redis.call('ZREM', KEYS[2], unpack(expired))
    redis.call('ZREM', KEYS[3], unpack(expired))
    redis.call('ZREM', KEYS[4], unpack(expired))
    redis.call('ZREM', KEYS[5], unpack(expired))
    redis.call('HDEL', KEYS[7], unpack(expired))
    for i = 1, #expired do uncount(expired[i]) end
  end
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  redis.call('HSET', KEYS[1], 'pmin', first[2] or NO_ENTRIES)
  return #expired, first[2] or NO_ENTRIES
end
-- An entry's since, source flag and reachability ('-': not known) from its field in KEYS[7].
local function unpackEntry(entry)
  return string.match(entry, '^(%S+) (%S) (%S)$')
end
-- The stream's news for the index: {ver, entries, due}, or {0, 0, 0} when the index knows it already.
local function news(force)
  local count = redis.call('ZCARD', KEYS[2])
  local info = redis.call('HMGET', KEYS[1], 'visible', 'ipeers', 'inlist')
  if not force and info[3] == '1' and tonumber(info[2] or '-1') == count then return {0, 0, 0} end
  local due = tonumber(info[1] or '0')
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if first[2] and tonumber(first[2]) < due then due = tonumber(first[2]) end
  local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
  redis.call('HSET', KEYS[1], 'ipeers', count, 'inlist', '1')
  return {ver, count, due}
end
-- Takes the stream out of the list: returns its news and how many entries were dropped with it.
local function gone()
  local dropped = redis.call('ZCARD', KEYS[2])
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
  local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
  redis.call('HSET', KEYS[1], 'inlist', '0', 'visible', '0', 'ipeers', '0', 'pmin', NO_ENTRIES)
  return {ver, -1, 0}, dropped
end
`;

/**
 * KEYS name · ARGV id, lease (ms) → {'taken', holder} | {'claimed', 1 when newly bound here else 0}
 * A new claim lasts `lease` until CONFIRM_NAME makes it permanent, so a claim whose
 * publish never finished (the central died, Redis went away) frees the name again.
 */
export const CLAIM_NAME = script(
  1,
  `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {'taken', holder} end
if holder then return {'claimed', 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'claimed', 1}
`,
);

/** KEYS name · ARGV id: the stream took the name, so the binding is kept forever. */
export const CONFIRM_NAME = script(
  1,
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PERSIST', KEYS[1]) end
return 1
`,
);

/** KEYS name · ARGV id: undoes a claim made for a publish the stream refused. */
export const RELEASE_NAME = script(
  1,
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`,
);

/** KEYS stream, peers, edges, sources, since, hosts, entries · ARGV name, live, ts, session → {result, detail?} */
export const PUBLISH = script(
  7,
  `
local current = redis.call('HMGET', KEYS[1], 'name', 'ts', 'session')
if current[1] and current[1] ~= ARGV[1] then return {'key-bound', current[1]} end
if current[2] and tonumber(ARGV[3]) <= tonumber(current[2]) then return {'replayed', current[2]} end
-- A publish starts the stream over: its edge is raised again by the announces that follow.
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'live', ARGV[2], 'ts', ARGV[3], 'session', ARGV[4], 'edge', '0')
-- A head stays true for a re-publish of its session (a publisher that reconnected), never for another.
if current[3] ~= ARGV[4] then
  redis.call('HDEL', KEYS[1], 'hedge', 'hts', 'hat', 'hend')
else
  redis.call('HSET', KEYS[1], 'edge', redis.call('HGET', KEYS[1], 'hedge') or '0')
end
return {'published'}
`,
);

/**
 * KEYS stream · ARGV session, edge, ts, at, ended (1/0) → 1 when stored, else 0
 * Stores a verified head of the current session when newer than the stored one; an end once.
 */
export const RECORD_HEAD = script(
  1,
  `
local info = redis.call('HMGET', KEYS[1], 'session', 'hts', 'hend', 'edge')
if info[1] ~= ARGV[1] or info[3] == '1' then return 0 end
local ts = ARGV[3]
if ARGV[5] == '1' then
  ts = info[2] or '0'
  redis.call('HSET', KEYS[1], 'live', '0')
elseif info[2] and tonumber(ARGV[3]) <= tonumber(info[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'hedge', ARGV[2], 'hts', ts, 'hat', ARGV[4], 'hend', ARGV[5])
if tonumber(ARGV[2]) > tonumber(info[4] or '0') then redis.call('HSET', KEYS[1], 'edge', ARGV[2]) end
return 1
`,
);

/**
 * KEYS stream, peers, edges, sources, since, hosts, entries
 * · ARGV member, expiresAt, edge, visibleUntil, live ('' leaves it), source (1/0), announcedAt, host, max entries per host (0: no cap),
 *   reachable (1/0, '' leaves it)
 * → {0} for an unpublished stream | {2} when the host holds its cap of other live entries | {1, ver, entries, due}
 */
export const ANNOUNCE = script(
  7,
  `${STREAM_FUNCTIONS}
local info = redis.call('HMGET', KEYS[1], 'name', 'edge', 'visible', 'live', 'pmin', 'inlist')
if not info[1] then return {0} end
local member, now = ARGV[1], tonumber(ARGV[7])
local pmin = tonumber(info[5] or '0')
local entry = redis.call('HGET', KEYS[7], member)
local fields = entry
local since, wasSource, reach
local live = false
local added = false
local pruned = 0
if entry and now < pmin then
  -- No entry expires before pmin: this one is live, its expiry need not be read.
  live = true
else
  local held = redis.call('ZSCORE', KEYS[2], member)
  if not held then
    local cap = tonumber(ARGV[9])
    local function full() return cap > 0 and tonumber(redis.call('HGET', KEYS[6], ARGV[8]) or '0') >= cap end
    -- Entries of the host that expired but were not pruned yet may be what holds the cap.
    if full() then
      local first
      pruned, first = prune(ARGV[7])
      pmin = tonumber(first)
    end
    if full() then return {2} end
    redis.call('HINCRBY', KEYS[6], ARGV[8], 1)
    added = true
    fields = nil
  end
  live = held and tonumber(held) > now
  -- An entry stored before KEYS[7] existed keeps its first-seen time; read as a source, so a
  -- viewer's is surely taken out of KEYS[4]; its reachability comes with its next announce or dial-back.
  if held and not entry then fields = (live and redis.call('ZSCORE', KEYS[5], member) or ARGV[7]) .. ' 1 -' end
end
if fields then since, wasSource, reach = unpackEntry(fields) else wasSource, reach = '0', '-' end
-- A new entry, or one that had expired, starts its time announced over; a renewal keeps it.
if not live then
  since = ARGV[7]
  redis.call('ZADD', KEYS[5], since, member)
end
redis.call('ZADD', KEYS[2], ARGV[2], member)
redis.call('ZADD', KEYS[3], ARGV[3], member)
if ARGV[6] == '1' then redis.call('ZADD', KEYS[4], ARGV[2], member) elseif wasSource ~= '0' then redis.call('ZREM', KEYS[4], member) end
if ARGV[10] ~= '' then reach = ARGV[10] end
local stored = since .. ' ' .. ARGV[6] .. ' ' .. reach
if stored ~= entry then redis.call('HSET', KEYS[7], member, stored) end
local changes = {}
local function change(field, value) changes[#changes + 1] = field; changes[#changes + 1] = value end
if tonumber(ARGV[3]) > tonumber(info[2] or '0') then change('edge', ARGV[3]) end
if tonumber(ARGV[4]) > tonumber(info[3] or '0') then change('visible', ARGV[4]) end
if ARGV[5] ~= '' and ARGV[5] ~= info[4] then change('live', ARGV[5]) end
if now >= pmin then
  -- pmin passed (or was never set): the earliest expiry is the new one, so the next renewals skip ZSCORE.
  change('pmin', redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2])
elseif tonumber(ARGV[2]) < pmin then
  change('pmin', ARGV[2])
end
if #changes > 0 then redis.call('HSET', KEYS[1], unpack(changes)) end
-- The entry count changes only with a new entry or a prune; the index hears of nothing else.
if not added and pruned == 0 and info[6] == '1' then return {1, 0, 0, 0} end
local n = news(false)
return {1, n[1], n[2], n[3]}
`,
);

/** KEYS stream, peers, edges, sources, since, hosts, entries · ARGV now, visibleUntil, member... → {removed, ver, entries, due} */
export const LEAVE = script(
  7,
  `${STREAM_FUNCTIONS}
local removed = 0
for i = 3, #ARGV do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    removed = removed + 1
    uncount(ARGV[i])
  end
end
redis.call('ZREM', KEYS[3], unpack(ARGV, 3))
redis.call('ZREM', KEYS[4], unpack(ARGV, 3))
redis.call('ZREM', KEYS[5], unpack(ARGV, 3))
redis.call('HDEL', KEYS[7], unpack(ARGV, 3))
if removed == 0 then return {0, 0, 0, 0} end
local info = redis.call('HMGET', KEYS[1], 'inlist', 'edge')
if info[1] == '1' and redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf') == 0 then
  -- A stream that never had a chunk has nothing to watch: out of the list at once.
  local untilMs = tonumber(info[2] or '0') > 0 and tonumber(ARGV[2]) or tonumber(ARGV[1])
  redis.call('HSET', KEYS[1], 'visible', untilMs)
  if untilMs <= tonumber(ARGV[1]) then
    local n = gone()
    return {removed, n[1], n[2], n[3]}
  end
end
local n = news(false)
return {removed, n[1], n[2], n[3]}
`,
);

/**
 * KEYS stream, peers, edges, sources, since, hosts, entries · ARGV name, now, maxCandidates
 * → nil when the stream is not bound to the name
 * | {live, edge, peers, {"<edge> <since> <source 1/0> <reachable 1/0/-> <host> <port>", ...}, viewers, ver, entries, due, session}
 * Candidates: every entry when they fit in maxCandidates; otherwise the live source entries,
 * the longest-announced quarter, half of maxCandidates with the highest edges, and random others.
 */
export const LOOKUP = script(
  7,
  `${STREAM_FUNCTIONS}
local info = redis.call('HMGET', KEYS[1], 'name', 'live', 'edge', 'session', 'pmin', 'ipeers')
if info[1] ~= ARGV[1] then return false end
local now = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local n = {0, 0, 0}
-- Nothing expires before pmin: every entry is live, and there is nothing to prune.
local allLive = now < tonumber(info[5] or '0')
if not allLive then
  local removed, first = prune(ARGV[2])
  allLive = tonumber(first) > now
  if removed > 0 then n = news(false) end
end
local members, edges = {}, {}
local count, viewers
-- A stream the index counts within max is read whole, in one bounded read (max + 1: a wrong count costs no more).
if allLive and tonumber(info[6] or '0') <= max then
  local all = redis.call('ZRANGE', KEYS[3], 0, max, 'WITHSCORES')
  if #all <= 2 * max then
    for i = 1, #all, 2 do
      members[#members + 1] = all[i]
      edges[#edges + 1] = all[i + 1]
    end
    count = #members
  end
end
if not count then
  local live = '(' .. ARGV[2]
  count = redis.call('ZCOUNT', KEYS[2], live, '+inf')
  viewers = count - redis.call('ZCOUNT', KEYS[4], live, '+inf')
  local seen = {}
  local function take(list, upTo)
    for i = 1, #list do
      if #members >= upTo then return end
      if not seen[list[i]] then
        seen[list[i]] = true
        members[#members + 1] = list[i]
      end
    end
  end
  take(redis.call('ZRANGEBYSCORE', KEYS[4], live, '+inf', 'LIMIT', 0, max), max)
  local quarter = math.ceil(max * ${LONG_LIVED_SHARE})
  take(redis.call('ZRANGE', KEYS[5], 0, #members + quarter - 1), math.min(max, #members + quarter))
  take(redis.call('ZREVRANGE', KEYS[3], 0, max - 1), math.min(max, #members + math.ceil(max / 2)))
  take(redis.call('ZRANDMEMBER', KEYS[3], max), max)
  if #members > 0 then edges = redis.call('ZMSCORE', KEYS[3], unpack(members)) end
end
local picked = {}
local sources = 0
if #members > 0 then
  local entries = redis.call('HMGET', KEYS[7], unpack(members))
  for i = 1, #members do
    -- An entry stored before KEYS[7] existed reads as a viewer first seen at 0 until its next announce.
    local fields = entries[i] or '0 0 -'
    -- The source flag is the third character from the end ("<since> <source> <reachable>"): no captures to build.
    if string.byte(fields, -3) == 49 then sources = sources + 1 end
    -- One string per candidate, not five: a fifth of the reply to encode and to parse.
    picked[i] = (edges[i] or '0') .. ' ' .. fields .. ' ' .. members[i]
  end
end
-- Read whole, the stream's sources are among the picked.
if not viewers then viewers = count - sources end
return {info[2] or '0', info[3] or '0', count, picked, viewers, n[1], n[2], n[3], info[4] or false}
`,
);

/** KEYS stream, peers, sources · ARGV now → {name, live, edge, visibleUntil, peers, viewers}: one row of `list` */
export const SUMMARY = script(
  3,
  `
local info = redis.call('HMGET', KEYS[1], 'name', 'live', 'edge', 'visible')
local live = '(' .. ARGV[1]
local peers = redis.call('ZCOUNT', KEYS[2], live, '+inf')
local viewers = peers - redis.call('ZCOUNT', KEYS[3], live, '+inf')
return {info[1] or '', info[2] or '0', info[3] or '0', info[4] or '0', peers, viewers}
`,
);

/**
 * KEYS stream, peers, edges, sources, since, hosts, entries · ARGV now, gap → {entries removed, streams taken out of list (0/1), ver, entries, due}
 * The next look is at least `gap` ms away, so a busy stream (whose first entry is always
 * about to expire and be renewed) is swept once per gap, not once per renewal.
 */
export const SWEEP_STREAM = script(
  7,
  `${STREAM_FUNCTIONS}
local removed = prune(ARGV[1])
local info = redis.call('HMGET', KEYS[1], 'visible', 'inlist')
if tonumber(info[1] or '0') <= tonumber(ARGV[1]) then
  local n, dropped = gone()
  -- Counted once: a stream already out of the list (an old due entry) is only cleaned up.
  if info[2] ~= '1' then return {removed + dropped, 0, n[1], n[2], n[3]} end
  return {removed + dropped, 1, n[1], n[2], n[3]}
end
local n = news(true)
local soonest = tonumber(ARGV[1]) + tonumber(ARGV[2])
if n[3] < soonest then n[3] = soonest end
return {removed, 0, n[1], n[2], n[3]}
`,
);

/** KEYS peers, entries · ARGV member, reachable (1/0), now → 1 when recorded, 0 when the entry is not live */
export const MARK_REACHABLE = script(
  2,
  `
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires or tonumber(expires) <= tonumber(ARGV[3]) then return 0 end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
-- An entry stored before KEYS[2] existed: its next announce carries the verdict.
if not entry then return 0 end
local since, source = string.match(entry, '^(%S+) (%S) ')
redis.call('HSET', KEYS[2], ARGV[1], since .. ' ' .. source .. ' ' .. ARGV[2])
return 1
`,
);

/** KEYS due · ARGV now, count, lease → ids due by now (at most count), each put off by lease so no other sweep takes it */
export const CLAIM_DUE = script(
  1,
  `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local later = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], later, id) end
return ids
`,
);

/**
 * KEYS list, due, vers, totals · ARGV (id, ver, entries, due)... → 1
 * Applies each stream's news unless the index already applied a newer one.
 */
export const INDEX = script(
  4,
  `
for i = 1, #ARGV, 4 do
  local id, ver, count = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if ver > tonumber(redis.call('HGET', KEYS[3], id) or '0') then
    redis.call('HSET', KEYS[3], id, ver)
    local old = redis.call('ZSCORE', KEYS[1], id)
    if count < 0 then
      redis.call('ZREM', KEYS[2], id)
      if old then
        redis.call('ZREM', KEYS[1], id)
        redis.call('HINCRBY', KEYS[4], 'streams', -1)
        redis.call('HINCRBY', KEYS[4], 'peers', 0 - tonumber(old))
      end
    else
      if not old then redis.call('HINCRBY', KEYS[4], 'streams', 1) end
      redis.call('HINCRBY', KEYS[4], 'peers', count - tonumber(old or '0'))
      redis.call('ZADD', KEYS[1], count, id)
      redis.call('ZADD', KEYS[2], ARGV[i + 3], id)
    end
  end
end
return 1
`,
);
