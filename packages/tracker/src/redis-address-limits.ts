import type { Clock } from '@p2pstream/units';
import type { AddressCheck, AddressLimitPolicy, AddressLimitStore, AddressVerdict } from './address-limits.js';
import { RateLimiter } from './rate-limiter.js';
import { script, type RedisScript } from './redis-scripts.js';

/** Runs a script on the node serving its keys' slot (the Redis registry's runner, errors included). */
export type RunScript = (script: RedisScript, keys: readonly string[], args: readonly string[]) => Promise<unknown>;

/**
 * One check of an address, atomically: refill and take from its token bucket
 * (when asked to), then, when a stream is given, count it against the address's quota.
 *
 *   KEYS[1] {ip:<host>}:bucket   hash  tokens, at (ms of the last refill)
 *   KEYS[2] {ip:<host>}:streams  zset  stream → when the address last touched it
 *   ARGV    now, rate per second, burst, stream ('' for none), max streams, window ms, take a token (1/0)
 *
 * Returns 0 (served), 1 (rate limited) or 2 (over the stream quota). Both keys
 * expire once they would behave like new ones (a full bucket; no stream within
 * the window), so Redis holds state only for active addresses. Central clocks
 * that disagree never refill a bucket backwards: time only moves forward in it.
 */
export const CHECK_ADDRESS = script(
  2,
  `
local now = tonumber(ARGV[1])
if ARGV[7] == '1' then
  local rate = tonumber(ARGV[2])
  local burst = tonumber(ARGV[3])
  local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
  local tokens = tonumber(bucket[1]) or burst
  local at = tonumber(bucket[2]) or now
  if now > at then
    tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
    at = now
  end
  local verdict = 0
  if tokens < 1 then verdict = 1 else tokens = tokens - 1 end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + (at - now) + 1)
  if verdict ~= 0 then return verdict end
end
if ARGV[4] == '' then return 0 end
local window = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if not redis.call('ZSCORE', KEYS[2], ARGV[4]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], window)
return 0
`,
);

const VERDICTS: readonly AddressVerdict[] = ['ok', 'rate-limited', 'too-many-streams'];

/**
 * Per-IP limits shared by every tracker on one Redis or Redis Cluster: one
 * script per check, on the slot of the address's hash tag `{ip:<host>}`.
 * A connection's renewals of its own entries are rate-limited by this
 * process's bucket for the address instead (no round trip): an address that
 * floods renewals on connections to k centrals gets k times the rate of
 * renewals, and nothing more — its new streams, new connections and publishes
 * still go through the shared bucket and quota.
 */
export class RedisAddressLimits implements AddressLimitStore {
  readonly #policy: AddressLimitPolicy;
  readonly #prefix: string;
  readonly #run: RunScript;
  readonly #renewals: RateLimiter;

  constructor(policy: AddressLimitPolicy, prefix: string, run: RunScript, clock: Clock) {
    this.#policy = policy;
    this.#prefix = prefix;
    this.#run = run;
    this.#renewals = new RateLimiter({ ratePerSecond: policy.ratePerSecond, burst: policy.burst, clock });
  }

  async check(host: string, now: number, { token, stream, renewal }: AddressCheck): Promise<AddressVerdict> {
    if (renewal) return !token || this.#renewals.take(host) ? 'ok' : 'rate-limited';
    const tag = `${this.#prefix}{ip:${host}}`;
    const { ratePerSecond, burst, maxStreams, streamWindow } = this.#policy;
    const args = [String(now), String(ratePerSecond), String(burst), stream ?? '', String(maxStreams), String(streamWindow), token ? '1' : '0'];
    const verdict = await this.#run(CHECK_ADDRESS, [`${tag}:bucket`, `${tag}:streams`], args);
    const known = VERDICTS[Number(verdict)];
    if (!known) throw new Error(`the address check script answered ${String(verdict)}, not 0, 1 or 2`);
    return known;
  }

  /** Forgets renewal buckets that have refilled; the keys in Redis expire by themselves. */
  prune(): void {
    this.#renewals.prune();
  }
}
