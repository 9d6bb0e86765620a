/**
 * `npm run bench:tracker -- --idle --streams 100000 --entries 1000000` — what an idle
 * central costs a large Redis registry:
 *   1. fills a fresh redis-server through `RedisRegistry` (the streams published, the
 *      entries announced with an expiry an hour away, so nothing falls due);
 *   2. measures Redis's own CPU (INFO cpu: used_cpu_user + used_cpu_sys) over a window
 *      with no central, then over the same window with one idle central attached (its
 *      once-a-second status line, its sweep every 5 s; no peer connected);
 *   3. reports both as % of one core, and the difference: the central's background cost.
 * With `--cluster`, the same on a three-master Redis Cluster on loopback (CPU summed over the masters).
 */
import { availableParallelism } from 'node:os';
import { freePort, startProgram, startRedisCluster, startRedisServer } from '../testing/index.js';
import { redisCpuSeconds, redisInfo } from './tracker-cost.js';
import { fillRegistry } from './tracker-fill.js';

export interface IdleOptions {
  streams: number;
  entries: number;
  /** Seconds per measuring window. */
  seconds: number;
  /** A three-master Redis Cluster instead of one redis-server. */
  cluster: boolean;
}

export async function runIdleRegistry({ streams, entries, seconds, cluster }: IdleOptions): Promise<void> {
  const redis = cluster ? await startRedisCluster() : await startRedisServer().then((server) => ({ ...server, ports: [server.port] }));
  try {
    const filled = await fillRegistry(redis.url, streams, entries);
    console.error(`filled ${filled.streams} streams, ${filled.entries} entries in ${filled.seconds.toFixed(1)} s; Redis used_memory ${memoryOf(redis.ports)}`);

    const alone = await redisCpuOver(redis.ports, seconds);
    console.error(`Redis alone: ${alone.toFixed(2)} % of a core`);
    const port = await freePort();
    const central = await startProgram('apps/central/src/main.ts', ['--host', '127.0.0.1', '--port', String(port), '--registry', redis.url], {
      readyLine: /central listening on/,
    });
    let withCentral: number;
    try {
      // Start-up is not the idle cost: let it settle for a status tick and a sweep.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      withCentral = await redisCpuOver(redis.ports, seconds);
    } finally {
      await central.stop();
    }
    console.error(`Redis with one idle central: ${withCentral.toFixed(2)} % of a core (+${(withCentral - alone).toFixed(2)})`);
    const result = {
      machine: `${process.platform} ${process.arch}, ${availableParallelism()} cores, Node ${process.version}`,
      redis: cluster ? `cluster of ${redis.ports.length} masters` : 'one redis-server',
      streams: filled.streams,
      entries: filled.entries,
      fillSeconds: +filled.seconds.toFixed(1),
      redisUsedMemory: memoryOf(redis.ports),
      windowSeconds: seconds,
      redisCpuPercentAlone: +alone.toFixed(2),
      redisCpuPercentWithIdleCentral: +withCentral.toFixed(2),
      idleCentralAddsPercent: +(withCentral - alone).toFixed(2),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await redis.stop();
  }
}

/** Redis's CPU (user + sys, summed over the servers) over the next `seconds`, as % of one core. */
async function redisCpuOver(ports: readonly number[], seconds: number): Promise<number> {
  const cpu = () => redisCpuSeconds(ports);
  const before = cpu();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = cpu();
  return ((after - before) / ((performance.now() - started) / 1000)) * 100;
}

/** used_memory summed over the servers, in MB. */
function memoryOf(ports: readonly number[]): string {
  const bytes = ports.reduce((sum, port) => sum + Number(redisInfo(port, 'memory', 'used_memory')), 0);
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
