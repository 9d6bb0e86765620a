/**
 * `npx tsx --conditions=@p2pstream/source tools/bench/tracker-outage.ts [--peers 200] [--down 20] [--interval 5]`
 * — what a Redis outage costs the centrals (issue 19's target: announces/s within 2× the
 * steady rate, every peer listed again within one interval). `--peers` tracker clients,
 * each publishing and announcing one stream every `--interval` seconds, on two in-process
 * centrals sharing one redis-server; Redis is stopped for `--down` seconds and started
 * again empty. Prints publishes/s and announces/s at the centrals (attempts, refused or
 * not) in steady state, during the outage, per interval after it and its busiest second,
 * and how long after Redis's return every stream was listed again. Not in CI: it runs
 * about a minute. `--help` prints the options with their defaults.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { generateStreamKey, newSession, signPublish } from '@p2pstream/data';
import { redisRegistry, startTracker } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { parseInteger, parsePositive } from '@p2pstream/units';
import { startRedisServer } from '../testing/index.js';
import { parseBenchArgs } from './command-line.js';

const USAGE = `Usage: npx tsx --conditions=@p2pstream/source tools/bench/tracker-outage.ts [options]

What a Redis outage costs two centrals sharing one redis-server: tracker clients each publish
and announce a stream; Redis is stopped, then started again empty. Prints publishes/s and
announces/s in steady state, during the outage and per interval after it, and how long until
every stream is listed again. Runs about a minute.

  --peers N              tracker clients, one stream each (default 200)
  --down S               seconds Redis stays down (default 20)
  --interval S           the centrals' announce interval in seconds (default 5)
  -h, --help             show this help
`;

const { PEERS, DOWN_MS, INTERVAL_MS } = parseBenchArgs(
  USAGE,
  {
    peers: { type: 'string', default: '200' },
    down: { type: 'string', default: '20' },
    interval: { type: 'string', default: '5' },
  },
  (values) => ({
    PEERS: parseInteger('--peers', values.peers, 1, 100_000),
    DOWN_MS: parsePositive('--down', values.down) * 1000,
    INTERVAL_MS: parsePositive('--interval', values.interval) * 1000,
  }),
);
const SESSION = newSession();

let redis = await startRedisServer();
const centrals = await Promise.all(
  [0, 1].map(async () =>
    startTracker({
      registry: await redisRegistry(redis.url, { commandTimeout: 500 }),
      host: '127.0.0.1',
      port: 0,
      interval: INTERVAL_MS,
      // Every client dials from 127.0.0.1: the per-IP limits would measure themselves, not the clients.
      announceRate: 1_000_000,
      maxStreamsPerIp: 1_000_000,
      maxConnectionsPerIp: 10_000,
      limits: { connectRatePerIp: 1_000_000, connectBurstPerIp: 1_000_000, maxPendingHandshakesPerIp: 10_000 },
    }),
  ),
);
const addrs = centrals.map((c) => `127.0.0.1:${c.port}`);
const clients: TrackerClient[] = [];
for (let i = 0; i < PEERS; i++) {
  const key = generateStreamKey();
  const client = new TrackerClient({ centrals: addrs });
  client.on('warning', () => {});
  await client.publish({ name: `s${i}`, publicKey: key.publicKey, live: true, session: SESSION, sign: (ts: number) => signPublish(key, `s${i}`, ts, SESSION) });
  await client.announce({ stream: key.streamId, port: 2050 });
  clients.push(client);
}

const total = () =>
  centrals.reduce((sum, c) => ({ publish: sum.publish + c.tracker.counters.publish, announce: sum.announce + c.tracker.counters.announce }), { publish: 0, announce: 0 });
/** Publishes/s and announces/s over the next `ms`, and the busiest second's announces. */
async function window(label: string, ms: number): Promise<{ publish: number; announce: number; busiestSecond: number }> {
  const start = total();
  let busiestSecond = 0;
  for (let elapsed = 0; elapsed < ms; elapsed += 1000) {
    const before = total().announce;
    await sleep(Math.min(1000, ms - elapsed));
    busiestSecond = Math.max(busiestSecond, total().announce - before);
  }
  const end = total();
  const rate = { publish: (end.publish - start.publish) / (ms / 1000), announce: (end.announce - start.announce) / (ms / 1000), busiestSecond };
  console.log(`${label}: ${rate.publish.toFixed(1)} publishes/s, ${rate.announce.toFixed(1)} announces/s (busiest second ${busiestSecond})`);
  return rate;
}

// Let the first announces' intervals spread out, then measure two intervals.
await sleep(INTERVAL_MS);
const steady = await window('steady', 2 * INTERVAL_MS);
const port = redis.port;
await redis.stop();
const down = await window(`Redis down (${DOWN_MS / 1000} s)`, DOWN_MS);
redis = await startRedisServer({ port });
const back = Date.now();
// Every stream listed again: polled in the background while the intervals after the return are measured.
let relistedAfterMs: number | undefined;
const relisted = (async () => {
  while (relistedAfterMs === undefined && Date.now() - back < 4 * INTERVAL_MS) {
    const listed = await centrals[0]!.registry.list(Date.now(), PEERS + 10).catch(() => []);
    if (listed.length >= PEERS) relistedAfterMs = Date.now() - back;
    else await sleep(100);
  }
})();
const after = [];
for (let i = 1; i <= 3; i++) after.push(await window(`interval ${i} after Redis is back`, INTERVAL_MS));
await relisted;
const worst = Math.max(down.announce, ...after.map((w) => w.announce));
console.log(
  JSON.stringify(
    {
      peers: PEERS,
      downSeconds: DOWN_MS / 1000,
      intervalSeconds: INTERVAL_MS / 1000,
      steadyAnnouncesPerSecond: +steady.announce.toFixed(1),
      worstAnnouncesPerSecond: +worst.toFixed(1),
      worstToSteady: +(worst / steady.announce).toFixed(2),
      busiestSecondAfterReturn: Math.max(...after.map((w) => w.busiestSecond)),
      publishesPerSecondAfterReturn: after.map((w) => +w.publish.toFixed(1)),
      relistedAllAfterSeconds: relistedAfterMs === undefined ? `not within ${(4 * INTERVAL_MS) / 1000} s` : +(relistedAfterMs / 1000).toFixed(1),
      // Streams central published again from a source connection's own publish (Redis came back empty).
      restoredByCentrals: centrals.reduce((sum, c) => sum + c.tracker.counters.restored, 0),
      refusedByCode: centrals.map((c) => c.tracker.counters.refused),
    },
    null,
    2,
  ),
);
await Promise.all(clients.map((c) => c.close()));
await Promise.all(centrals.map((c) => c.close()));
await redis.stop();
