/**
 * `npm run bench:peer` — how fast a viewer (`PeerClient`: scheduler, signature
 * checks, window, in-order play-out) downloads a finished stream from a peer
 * server, against a bare client asking the same server for the same chunks with
 * the same number of requests in flight (no scheduling, no verification), measured
 * in the same run, alternating, on loopback in one process (the viewer looks the stream up
 * at a real tracker, `@p2pstream/tracker`, started in the same process).
 * Options: --mib M (stream size, default 64), --rounds N (default 5), --chunk-kib K (default 64), --help.
 */
import { dial } from '@p2pstream/connection';
import { ChunkWindow, generateStreamKey, newSession, signChunk, signPublish, signWindow, type Chunk } from '@p2pstream/data';
import { PeerClient } from '@p2pstream/peer-client';
import { startPeerServer } from '@p2pstream/peer-server';
import { memoryRegistry, startTracker } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { parseInteger } from '@p2pstream/units';
import { parseBenchArgs } from './command-line.js';

const USAGE = `Usage: npm run bench:peer -- [options]

How fast a viewer (PeerClient: scheduler, signature checks, window, play-out) downloads a
finished stream from a peer server on loopback, against a bare client asking the same server
for the same chunks, 4 requests in flight each, alternating; prints MiB/s of both and the ratio.

  --mib M                the stream's size in MiB (default 64)
  --rounds N             rounds of each, after one warm-up (default 5)
  --chunk-kib K          chunk size in KiB (default 64)
  -h, --help             show this help
`;

const { mib, rounds, chunkBytes } = parseBenchArgs(
  USAGE,
  {
    mib: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    'chunk-kib': { type: 'string', default: '64' },
  },
  (values) => ({
    mib: parseInteger('--mib', values.mib, 1, 64 * 1024),
    rounds: parseInteger('--rounds', values.rounds, 1, 1000),
    chunkBytes: parseInteger('--chunk-kib', values['chunk-kib'], 1, 1024) * 1024,
  }),
);
const SESSION = newSession();
const IN_FLIGHT = 4;

const key = generateStreamKey();
const count = Math.ceil((mib * 1024 * 1024) / chunkBytes);
const window = new ChunkWindow<Chunk>({ live: false });
for (let seq = 0; seq < count; seq++) {
  const data = Buffer.alloc(chunkBytes, seq & 0xff);
  window.add(signChunk(key, SESSION, { seq, ts: Date.now(), data }));
}
window.finish();
const server = await startPeerServer({ host: '127.0.0.1', port: 0 });
server.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });

// The real tracker in this process; the publisher publishes the stream there and announces its server.
const central = await startTracker({ registry: memoryRegistry(), host: '127.0.0.1', port: 0 });
const centralAddress = `127.0.0.1:${central.port}`;
const publisher = new TrackerClient({ centrals: [centralAddress] });
await publisher.publish({ name: 'bench', publicKey: key.publicKey, live: false, session: SESSION, sign: (ts) => signPublish(key, 'bench', ts, SESSION) });
await publisher.announce({ stream: key.streamId, port: server.port, edge: count, live: false });

/** Seconds for a bare client to fetch every chunk, IN_FLIGHT requests at a time. */
async function bare(): Promise<number> {
  const connection = await dial('127.0.0.1', server.port, { role: 'peer' });
  await connection.request({ t: 'join', stream: key.streamId });
  const start = performance.now();
  let next = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const reply = await connection.request({ t: 'request', seq: next++ });
        if (reply.t !== 'chunk') throw new Error(`refused: ${reply.reason}`);
        bytes += reply.data.length;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await connection.close();
  if (bytes !== count * chunkBytes) throw new Error('the bare client lost bytes');
  return seconds;
}

/** Seconds for a PeerClient to fetch, verify and play every chunk. */
async function viewer(): Promise<number> {
  let written = 0;
  const client = new PeerClient({
    name: 'bench',
    central: centralAddress,
    sink: { write: (data) => void (written += data.length) },
    scheduler: { maxInFlightPerPeer: IN_FLIGHT },
  });
  const ended = new Promise<void>((resolve) => client.once('end', resolve));
  const start = performance.now();
  await client.start();
  await ended;
  const seconds = (performance.now() - start) / 1000;
  await client.close();
  if (written !== count * chunkBytes) throw new Error('the viewer lost bytes');
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
await bare();
await viewer();
const bareSeconds: number[] = [];
const viewerSeconds: number[] = [];
for (let round = 0; round < rounds; round++) {
  bareSeconds.push(await bare());
  viewerSeconds.push(await viewer());
}
const rate = (seconds: number) => Math.round(mib / seconds);
const result = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  streamMiB: mib,
  chunkKiB: chunkBytes / 1024,
  inFlight: IN_FLIGHT,
  rounds,
  bareMiBps: rate(median(bareSeconds)),
  viewerMiBps: rate(median(viewerSeconds)),
  ratio: Math.round((median(bareSeconds) / median(viewerSeconds)) * 100) / 100,
};
console.log(JSON.stringify(result, null, 2));
await publisher.close();
await central.close();
await server.close();
