/**
 * `npx tsx --conditions=@p2pstream/source tools/bench/redis-script-cost.ts [--calls 30000]
 * [--rounds 4] [--compare PATH...]` — Redis's CPU per call of the registry's `ANNOUNCE` (a
 * renewal of a random entry) and `LOOKUP` (a random stream of 10 entries) scripts, with
 * nothing else in the way: one client sends each script 64 at a time (as node-redis batches
 * them under load) to a fresh redis-server filled like `--registry-only` (1,000 streams,
 * 10,000 entries), and reads Redis's CPU (`INFO cpu`) over each batch of calls.
 * Baseline, in the same rounds: a script that only returns 1, called with the same keys and
 * arguments — the fixed cost of a script call on this machine. `--compare` adds the scripts
 * of another checkout (its `packages/tracker/src/redis-scripts.ts`), run in turns with these,
 * so two versions of a script are compared under the same load. `--help` prints the options.
 */
import { createClient } from 'redis';
import { parseInteger } from '@p2pstream/units';
import { startRedisServer } from '../testing/index.js';
// The scripts are the registry's internals, not the package's API: read from its source.
import { ANNOUNCE, LOOKUP, script, type RedisScript } from '../../packages/tracker/src/redis-scripts.js';
import { redisCpuSeconds } from './tracker-cost.js';
import { fillRegistry, filledEntry } from './tracker-fill.js';
import { parseBenchArgs } from './command-line.js';

const USAGE = `Usage: npx tsx --conditions=@p2pstream/source tools/bench/redis-script-cost.ts [options]

Redis's CPU per call of the registry's ANNOUNCE and LOOKUP scripts on a fresh redis-server
filled with 1,000 streams and 10,000 entries, 64 calls in flight, against an empty script
called with the same keys and arguments; prints the range and median per script.

  --calls N              calls per script per round (default 30000)
  --rounds N             rounds, the scripts in turns (default 4)
  --compare PATH         also run the scripts of another checkout's
                         packages/tracker/src/redis-scripts.ts; repeatable (default none)
  -h, --help             show this help
`;

const { values, calls, rounds } = parseBenchArgs(
  USAGE,
  {
    calls: { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '4' },
    compare: { type: 'string', multiple: true, default: [] },
  },
  (values) => ({ values, calls: parseInteger('--calls', values.calls, 1, 100_000_000), rounds: parseInteger('--rounds', values.rounds, 1, 1000) }),
);
const STREAMS = 1_000;
const ENTRIES = 10_000;
const IN_FLIGHT = 64;

type Scripts = { ANNOUNCE: RedisScript; LOOKUP: RedisScript };
const versions: [string, Scripts][] = [['this checkout', { ANNOUNCE, LOOKUP }]];
for (const path of values.compare) versions.push([path, (await import(path)) as Scripts]);
const empty = script(7, 'return 1');

const redis = await startRedisServer();
try {
  const filled = await fillRegistry(redis.url, STREAMS, ENTRIES);
  const client = createClient({ url: redis.url });
  await client.connect();
  const keysOf = (id: string) => ['stream', 'peers', 'edges', 'sources', 'since', 'hosts', 'entries'].map((kind) => `p2pstream:{${id}}:${kind}`);
  let edge = 10;
  const argsOf = {
    ANNOUNCE: () => {
      const a = filledEntry(filled.ids, Math.floor(Math.random() * ENTRIES), Date.now(), ++edge);
      return [...keysOf(a.stream), `${a.host} ${a.port}`, String(a.expiresAt), String(a.edge), String(a.visibleUntil), '', '0', String(a.announcedAt), a.host, '4', ''];
    },
    LOOKUP: () => {
      const i = Math.floor(Math.random() * STREAMS);
      return [...keysOf(filled.ids[i]!), filled.names[i]!, String(Date.now()), '256'];
    },
  };
  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['ANNOUNCE', 'LOOKUP'] as const) {
      const runs: [string, RedisScript][] = [[`${kind}, empty script (baseline)`, empty], ...versions.map(([name, s]) => [`${kind}, ${name}`, s[kind]] as [string, RedisScript])];
      for (const [name, s] of runs) {
        await client.sendCommand(['SCRIPT', 'LOAD', s.source]);
        const before = redisCpuSeconds([redis.port]);
        for (let sent = 0; sent < calls; sent += IN_FLIGHT) {
          await Promise.all(Array.from({ length: IN_FLIGHT }, () => client.sendCommand(['EVALSHA', s.sha, '7', ...argsOf[kind]()])));
        }
        const us = ((redisCpuSeconds([redis.port]) - before) * 1e6) / calls;
        results.set(name, [...(results.get(name) ?? []), +us.toFixed(2)]);
      }
    }
  }
  await client.close();
  for (const [name, us] of results) {
    const sorted = [...us].sort((a, b) => a - b);
    const baseline = [...results.get(`${name.split(',')[0]}, empty script (baseline)`)!].sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    console.log(`${name}: ${sorted[0]}–${sorted.at(-1)} µs of Redis CPU per call (median ${median(sorted)}, ${(median(sorted) / median(baseline)).toFixed(1)}× the empty script's)`);
  }
} finally {
  await redis.stop();
}
