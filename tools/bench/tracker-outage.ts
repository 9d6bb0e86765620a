/**
 * `npx tsx --conditions=@p2pstream/source tools/bench/tracker-outage.ts` — what a Redis
 * outage costs the centrals: 40 tracker clients (each publishing and announcing one
 * stream, interval 2 s) on two in-process centrals sharing one redis-server; Redis is
 * stopped for 10 s and started again empty. Prints publishes/s and announces/s at the
 * centrals (attempts, refused or not) in steady state, during the outage and after it,
 * and how many streams are listed again at the end.
 */
import { generateStreamKey, newSession, signPublish } from '@p2pstream/data';
import { redisRegistry, startTracker } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { startRedisServer } from '../testing/index.js';

const SESSION = newSession();

const PEERS = 40;
let redis = await startRedisServer();
const centrals = await Promise.all([0, 1].map(async () => startTracker({ registry: await redisRegistry(redis.url, { commandTimeout: 500 }), host: '127.0.0.1', port: 0, interval: 2_000, announceRate: 1_000_000, maxStreamsPerIp: 1_000_000, maxConnectionsPerIp: 10_000 })));
const addrs = centrals.map((c) => `127.0.0.1:${c.port}`);
const clients: TrackerClient[] = [];
for (let i = 0; i < PEERS; i++) {
  const key = generateStreamKey();
  const c = new TrackerClient({ centrals: addrs });
  c.on('warning', () => {});
  await c.publish({ name: `s${i}`, publicKey: key.publicKey, live: true, session: SESSION, sign: (ts) => signPublish(key, `s${i}`, ts, SESSION) });
  await c.announce({ stream: key.streamId, port: 2050 });
  clients.push(c);
}
const total = () => centrals.reduce((a, c) => ({ publish: a.publish + c.tracker.counters.publish, announce: a.announce + c.tracker.counters.announce }), { publish: 0, announce: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function window(label: string, ms: number) {
  const before = total();
  await sleep(ms);
  const after = total();
  console.log(`${label}: ${((after.publish - before.publish) / (ms / 1000)).toFixed(1)} publishes/s, ${((after.announce - before.announce) / (ms / 1000)).toFixed(1)} announces/s`);
}
await sleep(3_000);
await window('steady', 6_000);
const port = redis.port;
await redis.stop();
await window('Redis down (10 s)', 10_000);
redis = await startRedisServer({ port });
await window('first 4 s after Redis is back', 4_000);
await window('next 6 s', 6_000);
const listed = await centrals[0]!.registry.list(Date.now(), 1000);
console.log(`listed again: ${listed.length} of ${PEERS} streams`);
await Promise.all(clients.map((c) => c.close()));
await Promise.all(centrals.map((c) => c.close()));
await redis.stop();
