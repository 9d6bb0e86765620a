/**
 * `npm run bench:tracker -- --registry-only [--streams 1000] [--entries 10000] [--seconds 5]
 * [--in-flight 1,8,64] [--cluster]` — what Redis itself spends per operation, with no
 * central in the way: `RedisRegistry` drives a fresh redis-server (or a three-master
 * cluster) directly, so Redis can be pushed as busy as a production one would be.
 *   1. fills it (tracker-fill.ts): streams published, entries announced;
 *   2. for each in-flight level: renewals of random entries (the usual announce), then
 *      look-ups of random streams (256 candidates at most, as central asks), each for
 *      `seconds`;
 *   3. reports per level: operations/s, how busy Redis was (its CPU over the window, % of
 *      one core), its CPU per operation (INFO cpu delta over operations) and the calls it
 *      ran per operation by command (INFO commandstats: a script's inner calls count too).
 * A Redis serving one request at a time pays its event loop's overhead on each; a busy one
 * spreads it over many. Capacity planning wants the cost near the load it plans for.
 */
import { availableParallelism } from 'node:os';
import { RedisRegistry } from '@p2pstream/tracker';
import { startRedisCluster, startRedisServer } from '../testing/index.js';
import { redisCommandStats, redisCpuSeconds, resetRedisStats } from './tracker-cost.js';
import { filledEntry, fillRegistry } from './tracker-fill.js';

export interface RegistryOnlyOptions {
  streams: number;
  entries: number;
  seconds: number;
  inFlight: number[];
  cluster: boolean;
}

interface Level {
  inFlight: number;
  operation: 'announce' | 'lookup';
  opsPerSecond: number;
  redisBusyPercent: number;
  redisCpuUsPerOp: number;
  /** Time inside Redis's scripts (EVALSHA) per operation: the script's own cost, without reading and writing the sockets. */
  scriptUsPerOp: number;
  /** Calls per operation by command, most first. */
  redisCallsPerOp: Record<string, number>;
}

export async function runRegistryOnly(options: RegistryOnlyOptions): Promise<void> {
  if (options.inFlight.some((n) => !(Number.isInteger(n) && n >= 1))) throw new Error('--in-flight lists counts of requests in flight, 1 or more, e.g. 1,8,64');
  const redis = options.cluster ? await startRedisCluster() : await startRedisServer().then((server) => ({ ...server, ports: [server.port] }));
  try {
    const filled = await fillRegistry(redis.url, options.streams, options.entries);
    console.error(`filled ${filled.streams} streams, ${filled.entries} entries in ${filled.seconds.toFixed(1)} s`);
    const registry = await RedisRegistry.connect({ url: redis.url, commandTimeout: 60_000 });
    const levels: Level[] = [];
    try {
      for (const inFlight of options.inFlight) {
        let edge = 1;
        const renew = () => registry.announce(filledEntry(filled.ids, Math.floor(Math.random() * options.entries), Date.now(), ++edge));
        const lookUp = () => registry.lookup(filled.names[Math.floor(Math.random() * filled.names.length)]!, Date.now(), 256);
        for (const [operation, run] of [['announce', renew], ['lookup', lookUp]] as const) {
          const level = { inFlight, operation, ...(await measure(redis.ports, inFlight, options.seconds, run)) };
          levels.push(level);
          const calls = Object.entries(level.redisCallsPerOp).map(([command, n]) => `${command} ${n}`).join(', ');
          console.error(`${operation}, ${inFlight} in flight: ${level.opsPerSecond} ops/s, Redis ${level.redisBusyPercent} % busy, ${level.redisCpuUsPerOp} µs CPU/op, ${level.scriptUsPerOp} µs in scripts; calls/op: ${calls}`);
        }
      }
    } finally {
      await registry.close();
    }
    const result = {
      machine: `${process.platform} ${process.arch}, ${availableParallelism()} cores, Node ${process.version}`,
      redis: options.cluster ? `cluster of ${redis.ports.length} masters (CPU summed)` : 'one redis-server',
      streams: filled.streams,
      entries: filled.entries,
      windowSeconds: options.seconds,
      levels,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await redis.stop();
  }
}

/** Runs `operation` with `inFlight` at once for `seconds` (after a 0.5 s warm-up), reading Redis's CPU over the window. */
async function measure(ports: readonly number[], inFlight: number, seconds: number, operation: () => Promise<unknown>) {
  const warmUpEnd = performance.now() + 500;
  const end = warmUpEnd + seconds * 1000;
  let ops = 0;
  let cpuAtStart = 0;
  const started = new Promise<void>((resolve) =>
    setTimeout(() => {
      cpuAtStart = redisCpuSeconds(ports);
      resetRedisStats(ports);
      resolve();
    }, 500),
  );
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const counted = performance.now() >= warmUpEnd;
        await operation();
        if (counted) ops += 1;
      }
    }),
  );
  await started;
  const cpu = redisCpuSeconds(ports) - cpuAtStart;
  const elapsed = (performance.now() - warmUpEnd) / 1000;
  const stats = redisCommandStats(ports).sort((a, b) => b.calls - a.calls);
  return {
    opsPerSecond: Math.round(ops / seconds),
    redisBusyPercent: +((cpu / elapsed) * 100).toFixed(1),
    redisCpuUsPerOp: +((cpu * 1e6) / ops).toFixed(1),
    scriptUsPerOp: +(stats.filter(({ command }) => command === 'evalsha' || command === 'eval').reduce((sum, { usec }) => sum + usec, 0) / ops).toFixed(1),
    redisCallsPerOp: Object.fromEntries(stats.map(({ command, calls }) => [command, +(calls / ops).toFixed(2)])),
  };
}
