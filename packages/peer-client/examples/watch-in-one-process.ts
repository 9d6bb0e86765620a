import { generateStreamKey } from '@p2pstream/data';
import { PeerClient, type ClientTracker } from '@p2pstream/peer-client';
import { Publisher, startPeerServer, type PublisherTracker } from '@p2pstream/peer-server';

// Central, reduced to what a publisher and a viewer ask of it. A real program passes
// a TrackerClient from @p2pstream/tracker-client instead (it never lists a peer to itself).
const entries: Array<{ host: string; port: number; edge: number }> = [];
let viewerPort = 0;
let published = { name: '', stream: '', live: false };
const central = {
  publish: async ({ name, publicKey, live }: { name: string; publicKey: Uint8Array; live: boolean }) => {
    published = { name, stream: Buffer.from(publicKey).toString('hex'), live };
    return published.stream;
  },
  announce: async ({ port, edge = 0 }: { port: number; edge?: number }) => {
    entries.push({ host: '127.0.0.1', port, edge });
    return { interval: 15_000, ttl: 25_000 };
  },
  lookup: async (name: string) => ({ ...published, name, edge: 0, peers: entries.filter((entry) => entry.port !== viewerPort) }),
  update: () => undefined,
  leave: async () => undefined,
} as unknown as ClientTracker & PublisherTracker;

// A publisher of a finished stream: 1 MB cut into 64 KiB chunks, signed, served on its own port.
const movie = Buffer.alloc(1_000_000);
for (let i = 0; i < movie.length; i++) movie[i] = (i * 13) & 0xff;
const publisherServer = await startPeerServer({ host: '127.0.0.1', port: 0 });
const publisher = new Publisher({
  name: 'film',
  key: generateStreamKey(),
  source: (async function* () {
    yield movie;
  })(),
  live: false,
  server: publisherServer,
  tracker: central,
});
await publisher.run();

// A viewer: looks the stream up, fetches and verifies every chunk, re-shares through its own server.
const viewerServer = await startPeerServer({ host: '127.0.0.1', port: 0 });
viewerPort = viewerServer.port;
const viewer = new PeerClient({ name: 'film', tracker: central, server: viewerServer, localAddress: '127.0.0.1' });
const bytes = viewer.readable(); // before start(): the played bytes, from the first
const info = await viewer.start();
console.log(`found ${info.name}: ${info.live ? 'live' : 'finished'}, ${info.peers} peer(s)`);
const received: Buffer[] = [];
for await (const piece of bytes) received.push(piece); // ends after the last chunk

const stats = viewer.stats();
console.log(`played ${stats.played} chunks, ${stats.bytesFromPublisher} bytes from the publisher`);
console.log(Buffer.concat(received).equals(movie) ? 'the copy is exact' : 'the copy differs');
await viewer.close(); // it closes what it made; the servers and central were passed in, so they are ours to close
await Promise.all([viewerServer.close(), publisherServer.close()]);
