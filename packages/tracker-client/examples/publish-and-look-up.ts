import { generateStreamKey, newSession, signPublish } from '@p2pstream/data';
import { StreamNotFoundError, TrackerClient } from '@p2pstream/tracker-client';

// Start central first: npx nx run central:serve
const central = process.argv[2] ?? '127.0.0.1:2045';
const key = generateStreamKey();
const publisher = new TrackerClient({ centrals: [central], localAddress: '127.0.0.2' });
const viewer = new TrackerClient({ centrals: [central], localAddress: '127.0.0.3' });

// The publisher binds the name to its key (the private key never leaves this process:
// the client asks for a signature) in a new session, then announces the stream its server
// offers on port 2050.
const session = newSession();
const stream = await publisher.publish({
  name: 'cam1',
  publicKey: key.publicKey,
  live: true,
  session,
  sign: (ts) => signPublish(key, 'cam1', ts, session),
});
await publisher.announce({ stream, port: 2050, edge: 0 });

// A viewer announces what it carries too (it re-shares), then asks for peers.
await viewer.announce({ stream, port: 2051 });
const found = await viewer.lookup('cam1', { count: 10 });
console.log(`${found.name}: ${found.peers.map((peer) => `${peer.host}:${peer.port}`).join(', ')}`);

for (const entry of await viewer.list()) {
  console.log(`${entry.name} ${entry.live ? 'live' : 'finished'}, ${entry.peers} watching, edge ${entry.edge}`);
}

try {
  await viewer.lookup('nobody');
} catch (error) {
  if (error instanceof StreamNotFoundError) console.log('nothing is published as nobody');
}

publisher.update(stream, { edge: 120 }); // what the next re-announce says
await viewer.close(); // leaves every stream it announced
await publisher.close();
