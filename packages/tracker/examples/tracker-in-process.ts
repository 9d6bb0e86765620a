import { dial, RemoteError } from '@p2pstream/connection';
import { generateStreamKey, newSession, signHead, signPublish } from '@p2pstream/data';
import { memoryRegistry, startTracker } from '@p2pstream/tracker';

// Each publish starts a session: 8 random bytes, signed with the name and time.
const SESSION = newSession();

// Central's tracker in this process: loopback, a port the system picks, the swarm in memory.
const central = await startTracker({ registry: memoryRegistry(), host: '127.0.0.1', port: 0, interval: 10_000 });
console.log(`tracker on 127.0.0.1:${central.port}`);

// A publisher binds the name cam1 to its key, then announces the port it serves the stream on
// with its signed head (12 chunks cut by now): central believes no edge further than that.
const key = generateStreamKey();
const publisher = await dial('127.0.0.1', central.port, { role: 'peer' });
const ts = Date.now();
const { stream } = await publisher.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
const head = signHead(key, SESSION, 12, Date.now());
const { ttl } = await publisher.request({ t: 'announce', stream, port: 2050, edge: head.edge, live: true, ts: head.ts, sig: head.sig });
console.log(`cam1 is ${stream === key.streamId ? 'the publisher key' : 'another key'}; announce again within ${ttl} ms`);

// A viewer looks the name up: the publisher's host is the address the tracker saw on its socket.
const viewer = await dial('127.0.0.1', central.port, { role: 'peer' });
const found = await viewer.request({ t: 'lookup', name: 'cam1', count: 10 });
console.log(`cam1: ${found.peers.map((peer) => `${peer.host}:${peer.port} at chunk ${peer.edge}`).join(', ')}`);

// Refusals come back as errors with the tracker's code.
const refusal = await viewer.request({ t: 'lookup', name: 'nobody', count: 10 }).catch((error: unknown) => error);
console.log(refusal instanceof RemoteError ? `nobody: ${refusal.remoteCode}` : 'nobody: found?');
console.log(`requests: ${central.tracker.counters.publish} publish, ${central.tracker.counters.announce} announce, ${central.tracker.counters.lookup} look-ups`);

await Promise.all([publisher.close(), viewer.close()]);
await central.close();
