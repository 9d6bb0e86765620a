import { generateStreamKey } from '@p2pstream/data';
import { PeerClient } from '@p2pstream/peer-client';
import { Publisher, startPeerServer } from '@p2pstream/peer-server';
import { startTracker } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';

// Central in this process too: the real tracker on loopback, a free port, the swarm in memory.
const central = await startTracker({ host: '127.0.0.1', port: 0 });
const centralAddress = `127.0.0.1:${central.port}`;

// A publisher of a finished stream: 1 MB cut into 64 KiB chunks, signed, served on its own port.
const movie = Buffer.alloc(1_000_000);
for (let i = 0; i < movie.length; i++) movie[i] = (i * 13) & 0xff;
const publisherServer = await startPeerServer({ host: '127.0.0.1', port: 0 });
const publisherTracker = new TrackerClient({ centrals: [centralAddress] });
const publisher = new Publisher({
  name: 'film',
  key: generateStreamKey(),
  source: (async function* () {
    yield movie;
  })(),
  live: false,
  server: publisherServer,
  tracker: publisherTracker,
});
await publisher.run();

// A viewer: looks the stream up, fetches and verifies every chunk, re-shares through its own server.
const viewerServer = await startPeerServer({ host: '127.0.0.1', port: 0 });
const viewer = new PeerClient({ name: 'film', central: centralAddress, server: viewerServer, localAddress: '127.0.0.1' });
const bytes = viewer.readable(); // before start(): the played bytes, from the first
const info = await viewer.start();
console.log(`found ${info.name}: ${info.live ? 'live' : 'finished'}, ${info.peers} peer(s)`);
const received: Buffer[] = [];
for await (const piece of bytes) received.push(piece); // ends after the last chunk

const stats = viewer.stats();
console.log(`played ${stats.played} chunks, ${stats.bytesFromPublisher} bytes from the publisher`);
console.log(Buffer.concat(received).equals(movie) ? 'the copy is exact' : 'the copy differs');
await viewer.close(); // it closes what it made; the servers were passed in, so they are ours to close
await publisher.close();
await publisherTracker.close();
await Promise.all([viewerServer.close(), publisherServer.close()]);
await central.close();
