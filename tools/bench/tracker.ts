/**
 * `npm run bench:tracker` — central under load, with each registry:
 *   1. registers 10,000 peers in 1,000 streams (1,000 signed publishes, each with its
 *      publisher's announce of a signed head (an entry more per stream), then 10,000
 *      announces from 50 connections, each from its own loopback address);
 *   2. runs look-ups (10 peers each) and re-announces, half and half, for 10 s (after a
 *      1 s warm-up) from the same 50 connections, one request in flight on each;
 *   3. reports operations/s, p50/p99 latency, the cost per operation over the counted
 *      window — central's CPU (user + sys from /proc, as process.cpuUsage() would say) and
 *      Redis's (INFO cpu delta, and INFO commandstats: calls and µs per op by command), and
 *      each one's read and write system calls per op (/proc/<pid>/io: how well requests are batched) —
 *      and memory per registered peer: the growth
 *      of central's heap after a full collection (memory registry: registry, per-IP quota
 *      and per-connection state together) or of Redis's used_memory (Redis registry).
 * Baseline, measured in the same run: a process that answers the same requests with
 * canned replies over the same protocol (@p2pstream/connection) — the protocol's own
 * ceiling on this machine; each registry's throughput is reported as a ratio of it.
 * Central and the baseline run as separate processes, like the load generator.
 * Options: --peers N --streams N --connections N --seconds S, --lookups F (the share of
 * look-ups in the mix, 0.5; 0 or 1 measures one kind alone), --registries memory,redis,cluster
 * (cluster: a three-master Redis Cluster on loopback; default memory,redis), --head-cache-age D
 * (passed to central: 0 reads the stream head from the registry on every announce), --cpu-prof DIR
 * (central writes a V8 CPU profile there when it stops: open it in Chrome's DevTools),
 * --rate R (open loop: R operations/s in all, paced per connection, so latency is measured at a
 * set load instead of at saturation, where it only says how long the queue is),
 * --centrals N (N centrals on the same Redis, the connections spread over them; not with memory),
 * --background-streams N --background-entries M (Redis only: fill the registry with that many
 * more streams and entries first, through tracker-fill.ts, and spread the look-ups over every
 * stream: the large-registry mode, e.g. 100000 / 1000000 with --centrals 2).
 *
 * `--idle --streams N --entries N [--seconds S] [--cluster]` measures instead what one idle central
 * costs a Redis registry of that size (see tracker-idle.ts).
 *
 * `--registry-only [--streams N --entries N --seconds S --in-flight 1,8,64 --cluster]` measures
 * Redis's CPU per announce and per look-up with no central, at several loads (see tracker-redis.ts).
 *
 * `--help` lists every option with its default.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { dial, listen, type Connection } from '@p2pstream/connection';
import { generateStreamKey, newSession, signHead, signPublish, type StreamKey } from '@p2pstream/data';
import { parseDuration, parseFraction, parseInteger, parsePositive, UsageError } from '@p2pstream/units';
import { freePort, startProgram, startRedisCluster, startRedisServer, type RunningProgram } from '../testing/index.js';
import { processCpuSeconds, processSyscalls, redisCommandStats, redisCpuSeconds, redisInfo, redisPids, resetRedisStats, type CommandStat } from './tracker-cost.js';
import { fillRegistry } from './tracker-fill.js';
import { runIdleRegistry } from './tracker-idle.js';
import { runRegistryOnly } from './tracker-redis.js';
import { parseBenchArgs } from './command-line.js';

const SESSION = newSession();

/** Node options that make a process run a full garbage collection on SIGUSR2, so its heap can be measured from outside. */
const GC_ON_SIGUSR2 = ['--expose-gc', '--import', 'data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())'];

type RegistryKind = 'memory' | 'redis' | 'cluster';
const REGISTRY_KINDS: readonly RegistryKind[] = ['memory', 'redis', 'cluster'];

const USAGE = `Usage: npm run bench:tracker -- [options]

Central under load with each registry: registers --peers peers in --streams streams from
--connections connections (each its own loopback address), then look-ups and re-announces for
--seconds; reports ops/s, p50/p99 latency, central's and Redis's CPU and system calls per op and
memory per peer, against a canned-reply server on the same protocol measured in the same run.

  --peers N                  peers registered (default 10000)
  --streams N                streams they are in (default 1000; must divide --peers)
  --connections N            load connections, a multiple of peers per stream (default 50)
  --seconds S                the counted window, after a 1 s warm-up (default 10)
  --lookups F                the share of look-ups in the mix, 0 to 1 (default 0.5)
  --registries LIST          of memory, redis, cluster (a 3-master Redis Cluster) (default memory,redis)
  --head-cache-age D         passed to central; 0 reads the head from the registry on every announce
                             (default central's)
  --cpu-prof DIR             central writes a V8 CPU profile into DIR when it stops (default none)
  --rate R                   open loop: R operations/s in all, paced per connection (default: closed
                             loop, one request in flight per connection)
  --centrals N               centrals sharing one Redis registry, not with memory (default 1)
  --background-streams N     Redis only: fill the registry with N more streams first (default 0)
  --background-entries M     ... and M more entries, at least N (default 0)
  -h, --help                 show this help

  --idle                     instead: what one idle central costs a Redis registry of --streams
                             streams and --entries entries, over windows of --seconds (tracker-idle.ts)
  --registry-only            instead: Redis's CPU per announce and per look-up with no central, on
                             --streams / --entries, each level for --seconds (tracker-redis.ts)
  --entries N                registry entries for --idle and --registry-only (default 10000)
  --in-flight LIST           --registry-only: requests in flight per level (default 1,8,64)
  --cluster                  --idle and --registry-only: a 3-master Redis Cluster, not one server

Used by the script for its own child process: --echo-server PORT.
`;

const { values, ...options } = parseBenchArgs(
  USAGE,
  {
    peers: { type: 'string', default: '10000' },
    streams: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    'echo-server': { type: 'string' },
    idle: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    entries: { type: 'string', default: '10000' },
    lookups: { type: 'string', default: '0.5' },
    registries: { type: 'string', default: 'memory,redis' },
    'head-cache-age': { type: 'string' },
    'cpu-prof': { type: 'string' },
    centrals: { type: 'string', default: '1' },
    rate: { type: 'string' },
    'registry-only': { type: 'boolean', default: false },
    'in-flight': { type: 'string', default: '1,8,64' },
    'background-streams': { type: 'string', default: '0' },
    'background-entries': { type: 'string', default: '0' },
  },
  (values) => {
    const peerCount = parseInteger('--peers', values.peers, 1, 10_000_000);
    const streamCount = parseInteger('--streams', values.streams, 1, 10_000_000);
    const connectionCount = parseInteger('--connections', values.connections, 1, 65_000);
    const perStream = Math.round(peerCount / streamCount);
    if (!values.idle && !values['registry-only'] && (connectionCount % perStream !== 0 || peerCount % streamCount !== 0)) {
      throw new UsageError('--peers / --streams (peers per stream) must divide --connections and --streams must divide --peers');
    }
    const kinds = values.registries.split(',') as RegistryKind[];
    for (const kind of kinds) {
      if (!REGISTRY_KINDS.includes(kind)) throw new UsageError(`--registries lists memory, redis or cluster, not "${kind}"`);
    }
    const centralCount = parseInteger('--centrals', values.centrals, 1, 64);
    const background = {
      streams: parseInteger('--background-streams', values['background-streams'], 0, 100_000_000),
      entries: parseInteger('--background-entries', values['background-entries'], 0, 100_000_000),
    };
    if ((centralCount > 1 || background.streams > 0) && kinds.includes('memory')) {
      throw new UsageError("--centrals 2 and --background-streams share a registry, so they need --registries redis or cluster (a memory registry is one central's own)");
    }
    if (background.streams > 0 && !(background.entries >= background.streams)) throw new UsageError('--background-entries must be at least --background-streams');
    if (values['head-cache-age'] !== undefined) parseDuration('--head-cache-age', values['head-cache-age'], 0);
    return {
      values,
      peerCount,
      streamCount,
      connectionCount,
      perStream,
      seconds: parsePositive('--seconds', values.seconds),
      entries: parseInteger('--entries', values.entries, 1, 100_000_000),
      lookupShare: parseFraction('--lookups', values.lookups),
      rate: values.rate === undefined ? undefined : parsePositive('--rate', values.rate),
      kinds,
      centralCount,
      background,
      inFlight: values['in-flight'].split(',').map((level) => parseInteger('--in-flight', level, 1, 100_000)),
      echoPort: values['echo-server'] === undefined ? undefined : parseInteger('--echo-server', values['echo-server'], 1, 65_535),
    };
  },
);

if (options.echoPort !== undefined) {
  await runEchoServer(options.echoPort);
} else if (values['registry-only']) {
  await runRegistryOnly({ streams: options.streamCount, entries: options.entries, seconds: options.seconds, inFlight: options.inFlight, cluster: values.cluster });
} else if (values.idle) {
  await runIdleRegistry({ streams: options.streamCount, entries: options.entries, seconds: options.seconds, cluster: values.cluster });
} else {
  await main();
}

/** The baseline: canned replies, no registry, no policy. */
async function runEchoServer(port: number): Promise<void> {
  const peers = Array.from({ length: 10 }, (_, i) => ({ host: `127.0.1.${i + 1}`, port: 2050, edge: 100 }));
  const server = await listen({
    host: '127.0.0.1',
    port,
    role: 'central',
    limits: { maxChunkBytes: 0, maxConnectionsPerIp: 1000 },
    handlers: {
      lookup: (m, c) => void c.reply(m, { t: 'peers', name: m.name, stream: 'a'.repeat(64), live: true, edge: 100, session: SESSION, peers }),
      announce: (m, c) => void c.reply(m, { t: 'announced', interval: 60_000, ttl: 100_000 }),
    },
  });
  process.stdout.write(`echo listening on ${server.address().port}\n`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}

interface LoadResult {
  opsPerSecond: number;
  lookupP50Ms: number;
  lookupP99Ms: number;
  announceP50Ms: number;
  announceP99Ms: number;
  errors: number;
}

/** What the counted window cost, per operation (requests started in it). */
interface Cost {
  centralCpuUsPerOp: number;
  redisCpuUsPerOp?: number;
  /** Redis commands per operation, with µs spent in each per operation (scripts are EVALSHA). */
  redisCommandsPerOp?: { command: string; callsPerOp: number; usPerOp: number }[];
  /** Read and write system calls per operation (/proc/<pid>/io): how many requests each wake-up served. */
  syscallsPerOp?: { central: { reads: number; writes: number }; redis?: { reads: number; writes: number } };
}

/** Readings taken at the start and end of the counted window. */
interface Meter {
  start(): void;
  stop(ops: number): Cost;
}

async function main(): Promise<void> {
  const { peerCount, streamCount, connectionCount, perStream, seconds, lookupShare, rate, kinds, centralCount, background } = options;
  const keys = Array.from({ length: streamCount }, () => generateStreamKey());
  const names = keys.map((_, i) => `bench-${i}`);
  const results: Record<string, unknown> = { machine: `${process.platform} ${process.arch}, ${availableParallelism()} cores, Node ${process.version}` };

  // Baseline.
  const echoPort = await freePort();
  const echo = await startProgram('tools/bench/tracker.ts', ['--echo-server', String(echoPort)], { readyLine: /echo listening/ });
  const echoConnections = await connectAll(echoPort, connectionCount);
  const baseline = await load(echoConnections, keys, names, perStream, seconds / 2, lookupShare, rate, costMeter([echo.pid], undefined));
  await Promise.all(echoConnections.map((c) => c.close()));
  await echo.stop();
  results.baseline = baseline;
  console.error(`baseline (canned replies): ${fmt(baseline)}`);

  for (const kind of kinds) {
    const redis =
      kind === 'redis'
        ? await startRedisServer().then((server) => ({ ...server, ports: [server.port] }))
        : kind === 'cluster'
          ? await startRedisCluster()
          : undefined;
    const lookupNames = [...names];
    if (redis && background.streams > 0) {
      const filled = await fillRegistry(redis.url, background.streams, background.entries);
      lookupNames.push(...filled.names);
      console.error(`${kind}: filled ${filled.streams} streams and ${filled.entries} entries beside the bench's in ${filled.seconds.toFixed(0)} s`);
    }
    const centrals: { central: RunningProgram; port: number; http: number }[] = [];
    try {
      for (let i = 0; i < centralCount; i++) centrals.push(await startCentral(redis?.url));
      const connections = (await Promise.all(centrals.map((c, i) => connectAll(c.port, shareOf(connectionCount, centralCount, i), i)))).flat();
      const memory = kind === 'memory' ? () => heapOf(centrals[0]!.central, centrals[0]!.http) : () => Promise.resolve(redisMemoryOf(redis!.ports));
      const before = await memory();
      const registerStart = performance.now();
      // Spread over every connection: one that asks nothing for 15 s is closed by central as idle.
      await Promise.all(
        connections.map(async (connection, c) => {
          for (let i = c; i < keys.length; i += connections.length) await publish(connection, keys[i]!, names[i]!);
        }),
      );
      await Promise.all(
        connections.map(async (connection, c) => {
          for (const s of streamsOf(c, connections.length, streamCount, perStream)) {
            await connection.request({ t: 'announce', stream: keys[s]!.streamId, port: 2050, edge: 1, live: true });
          }
        }),
      );
      const registerSeconds = (performance.now() - registerStart) / 1000;
      const after = await memory();
      const meter = costMeter(centrals.map((c) => c.central.pid), redis?.ports);
      const run = await load(connections, keys, lookupNames, perStream, seconds, lookupShare, rate, meter);
      await Promise.all(connections.map((c) => c.close()));
      const bytesPerPeer = Math.round((after - before) / peerCount);
      const cpuRatio = (run.centralCpuUsPerOp! / baseline.centralCpuUsPerOp!).toFixed(1);
      results[kind] = { ...run, ratioToBaseline: +(run.opsPerSecond / baseline.opsPerSecond).toFixed(2), cpuRatioToBaseline: +cpuRatio, registerSeconds: +registerSeconds.toFixed(2), bytesPerPeer };
      console.error(`${kind}: ${fmt(run)}; ${(run.opsPerSecond / baseline.opsPerSecond).toFixed(2)}× baseline's ops/s, ${cpuRatio}× its CPU/op; registered ${peerCount} peers in ${registerSeconds.toFixed(1)} s; ~${bytesPerPeer} bytes per peer`);
    } finally {
      await Promise.all(centrals.map((c) => c.central.stop()));
      await redis?.stop();
    }
  }
  console.log(JSON.stringify(results, null, 2));
}

async function startCentral(redisUrl: string | undefined): Promise<{ central: RunningProgram; port: number; http: number }> {
  const port = await freePort();
  const http = await freePort();
  const central = await startProgram(
    'apps/central/src/main.ts',
    [
      '--host', '127.0.0.1', '--port', String(port), '--http', `127.0.0.1:${http}`,
      '--registry', redisUrl ?? 'memory',
      // Nothing expires during the run, and the per-IP limits are out of the way of a deliberate flood (but still checked).
      '--interval', '60s', '--announce-rate', '1000000', '--max-streams-per-ip', '1000000', '--max-connections-per-ip', '1000',
      ...(values['head-cache-age'] === undefined ? [] : ['--head-cache-age', values['head-cache-age']]),
    ],
    // A loaded machine can take a while to start a central under tsx.
    { readyLine: /central listening on/, timeoutMs: 90_000, nodeArgs: [...GC_ON_SIGUSR2, ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [])] },
  );
  return { central, port, http };
}

/** How many of `total` connections go to central i of n: as even as it divides. */
function shareOf(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}

/** Connection c of n announces the streams s ≡ c (mod n / perStream): perStream connections per stream. */
function streamsOf(c: number, n: number, streamCount: number, perStream: number): number[] {
  const groups = n / perStream;
  const streams: number[] = [];
  for (let s = c % groups; s < streamCount; s += groups) streams.push(s);
  return streams;
}

async function connectAll(port: number, count: number, group = 0): Promise<Connection[]> {
  // Each connection dials from its own loopback address, as distinct peers would (127.0.<group+1>.<c+1>).
  return Promise.all(
    Array.from({ length: count }, (_, c) =>
      dial('127.0.0.1', port, { role: 'peer', localAddress: `127.0.${group + 1}.${c + 1}`, limits: { maxChunkBytes: 0 } }),
    ),
  );
}

/**
 * Publishes, then announces a signed head as a real publisher does: without one central
 * treats the stream as stale, its viewers' announces do not keep it listed, and each
 * sweep drops it and the next announces add it back — a cost no live swarm has.
 */
async function publish(connection: Connection, key: StreamKey, name: string) {
  const ts = Date.now();
  await connection.request({ t: 'publish', name, key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, name, ts, SESSION) });
  const head = signHead(key, SESSION, 1_000_000, Date.now());
  await connection.request({ t: 'announce', stream: key.streamId, port: 2049, edge: head.edge, live: true, ts: head.ts, sig: head.sig });
}

async function load(
  connections: Connection[],
  keys: StreamKey[],
  names: string[],
  perStream: number,
  seconds: number,
  lookupShare: number,
  rate: number | undefined,
  meter?: Meter,
): Promise<LoadResult & Partial<Cost>> {
  const lookups: number[] = [];
  const announces: number[] = [];
  let errors = 0;
  // The first second warms up the JIT on both sides and is not counted.
  const warmUpEnd = performance.now() + 1_000;
  const end = warmUpEnd + seconds * 1000;
  // The costs are read over the counted window only.
  const window = meter ? sleep(1_000).then(() => meter.start()).then(() => sleep(seconds * 1000)).then(() => lookups.length + announces.length) : undefined;
  // With --rate, each connection starts its i-th request at its own slot (connections staggered), late ones at once.
  const slotMs = rate === undefined ? 0 : (connections.length / rate) * 1000;
  const firstSlot = performance.now();
  await Promise.all(
    connections.map(async (connection, c) => {
      const mine = streamsOf(c, connections.length, keys.length, perStream);
      for (let i = 0; performance.now() < end; i++) {
        const slot = firstSlot + (i + c / connections.length) * slotMs;
        if (slotMs > 0 && slot > performance.now()) await sleep(slot - performance.now());
        const started = performance.now();
        const counted = started >= warmUpEnd;
        try {
          if (Math.random() < lookupShare) {
            await connection.request({ t: 'lookup', name: names[Math.floor(Math.random() * names.length)]!, count: 10 });
            if (counted) lookups.push(performance.now() - started);
          } else {
            await connection.request({ t: 'announce', stream: keys[mine[i % mine.length]!]!.streamId, port: 2050, edge: i, live: true });
            if (counted) announces.push(performance.now() - started);
          }
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const cost = window ? meter!.stop(await window) : {};
  return {
    // Requests that started in the counted window, over its length (the last ones end a moment after it).
    opsPerSecond: Math.round((lookups.length + announces.length) / seconds),
    lookupP50Ms: percentile(lookups, 0.5),
    lookupP99Ms: percentile(lookups, 0.99),
    announceP50Ms: percentile(announces, 0.5),
    announceP99Ms: percentile(announces, 0.99),
    errors,
    ...cost,
  };
}

/** Reads the centrals' CPU (summed) and, with a Redis registry, Redis's CPU and command stats at the window's start and end. */
function costMeter(centralPids: readonly number[], redisPorts: readonly number[] | undefined): Meter {
  const centralsCpu = () => centralPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const redisProcesses = redisPorts ? redisPids(redisPorts) : [];
  const syscalls = (pids: readonly number[]) =>
    pids.map(processSyscalls).reduce((sum, one) => ({ reads: sum.reads + one.reads, writes: sum.writes + one.writes }), { reads: 0, writes: 0 });
  let central = 0;
  let redis = 0;
  let centralCalls = { reads: 0, writes: 0 };
  let redisCalls = { reads: 0, writes: 0 };
  return {
    start() {
      central = centralsCpu();
      centralCalls = syscalls(centralPids);
      if (redisPorts) {
        resetRedisStats(redisPorts);
        redis = redisCpuSeconds(redisPorts);
        redisCalls = syscalls(redisProcesses);
      }
    },
    stop(ops) {
      const centralCpuUsPerOp = +(((centralsCpu() - central) * 1e6) / ops).toFixed(1);
      const perOpSince = (before: { reads: number; writes: number }, now: { reads: number; writes: number }) => ({
        reads: +((now.reads - before.reads) / ops).toFixed(2),
        writes: +((now.writes - before.writes) / ops).toFixed(2),
      });
      const centralSyscalls = perOpSince(centralCalls, syscalls(centralPids));
      if (!redisPorts) return { centralCpuUsPerOp, syscallsPerOp: { central: centralSyscalls } };
      const redisCpuUsPerOp = +(((redisCpuSeconds(redisPorts) - redis) * 1e6) / ops).toFixed(1);
      const syscallsPerOp = { central: centralSyscalls, redis: perOpSince(redisCalls, syscalls(redisProcesses)) };
      const perOp = (stat: CommandStat) => ({ command: stat.command, callsPerOp: +(stat.calls / ops).toFixed(2), usPerOp: +(stat.usec / ops).toFixed(2) });
      // The stats' own INFO and CONFIG calls are not the load's.
      const redisCommandsPerOp = redisCommandStats(redisPorts).filter((stat) => !['info', 'config|resetstat'].includes(stat.command)).map(perOp);
      return { centralCpuUsPerOp, redisCpuUsPerOp, redisCommandsPerOp, syscallsPerOp };
    },
  };
}

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  return +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
}

/** Redis's used_memory, summed over the servers, in bytes. */
function redisMemoryOf(ports: readonly number[]): number {
  return ports.reduce((sum, port) => sum + Number(redisInfo(port, 'memory', 'used_memory')), 0);
}

/** Central's heap in use after a full collection, in bytes: central is started with `GC_ON_SIGUSR2`, so a SIGUSR2 makes it collect. */
async function heapOf(central: RunningProgram, httpPort: number): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < 3; i++) {
    process.kill(central.pid, 'SIGUSR2');
    // Central refreshes its reading once a second.
    await sleep(1_100);
    const stats = (await (await fetch(`http://127.0.0.1:${httpPort}/stats.json`)).json()) as { memory: { heapUsedBytes: number } };
    lowest = Math.min(lowest, stats.memory.heapUsedBytes);
  }
  return lowest;
}

function fmt(r: LoadResult & Partial<Cost>): string {
  const calls = (s: { reads: number; writes: number } | undefined) => (s ? ` (${s.reads} reads + ${s.writes} writes/op)` : '');
  const cost =
    r.centralCpuUsPerOp === undefined
      ? ''
      : `; server ${r.centralCpuUsPerOp} µs CPU/op${calls(r.syscallsPerOp?.central)}${r.redisCpuUsPerOp === undefined ? '' : `, Redis ${r.redisCpuUsPerOp} µs CPU/op${calls(r.syscallsPerOp?.redis)}`}`;
  return `${r.opsPerSecond} ops/s, look-up p50 ${r.lookupP50Ms} ms p99 ${r.lookupP99Ms} ms, announce p50 ${r.announceP50Ms} ms p99 ${r.announceP99Ms} ms, ${r.errors} errors${cost}`;
}
