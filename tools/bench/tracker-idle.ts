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
import { RedisRegistry } from '@p2pstream/tracker';
import { freePort, startProgram, startRedisCluster, startRedisServer } from '../testing/index.js';
import { redisCpuSeconds, redisInfo } from './tracker-cost.js';

export interface IdleOptions {
  streams: number;
  entries: number;
  /** Seconds per measuring window. */
  seconds: number;
  /** A three-master Redis Cluster instead of one redis-server. */
  cluster: boolean;
}

/** Requests in flight while filling the registry. */
const FILL_CONCURRENCY = 256;

export async function runIdleRegistry({ streams, entries, seconds, cluster }: IdleOptions): Promise<void> {
  if (!(streams >= 1 && entries >= streams)) throw new Error('--idle needs --streams N ≥ 1 and --entries ≥ --streams');
  const redis = cluster ? await startRedisCluster() : await startRedisServer().then((server) => ({ ...server, ports: [server.port] }));
  try {
    const registry = await RedisRegistry.connect({ url: redis.url, commandTimeout: 60_000 });
    const fillStart = performance.now();
    const now = Date.now();
    const ids = Array.from({ length: streams }, (_, i) => i.toString(16).padStart(64, '0'));
    await inBatches(streams, (i) => registry.publish({ name: `idle-${i}`, stream: ids[i]!, live: true, ts: now, session: '0123456789abcdef' }));
    await inBatches(entries, (e) =>
      registry.announce({
        stream: ids[e % streams]!,
        // A distinct address per entry: 10.x.y.z, port 2050.
        host: `10.${(e >> 16) & 255}.${(e >> 8) & 255}.${e & 255}`,
        port: 2050 + Math.floor(e / 16_777_216),
        edge: 1,
        announcedAt: now,
        expiresAt: now + 3_600_000,
        visibleUntil: now + 3_600_000,
      }),
    );
    const fillSeconds = (performance.now() - fillStart) / 1000;
    const counts = await registry.counts();
    await registry.close();
    console.error(`filled ${counts.streams} streams, ${counts.peers} entries in ${fillSeconds.toFixed(1)} s; Redis used_memory ${memoryOf(redis.ports)}`);

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
      streams: counts.streams,
      entries: counts.peers,
      fillSeconds: +fillSeconds.toFixed(1),
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

/** Runs `task(0..count-1)` with FILL_CONCURRENCY in flight. */
async function inBatches(count: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(FILL_CONCURRENCY, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
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
