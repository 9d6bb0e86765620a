import { dial, UploadLimiter } from '@p2pstream/connection';
import { ChunkWindow, generateStreamKey, newSession, signChunk, signWindow, verifyChunk, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';

// A stream: its key, the session of this publish, a live window holding three signed chunks,
// and the signed heads (and, at the end, the signed end) the publisher gives out as it grows.
const key = generateStreamKey();
const session = newSession();
const window = new ChunkWindow<Chunk>({ live: true, capacity: 120 });
const state = signWindow(key, session, window);
for (let seq = 0; seq < 3; seq++) window.add(signChunk(key, session, { seq, ts: Date.now(), data: Buffer.alloc(1000, seq) }));

// The serving half of a peer: 127.0.0.1, the first free port from 2050, uploads capped at 1 MB/s.
const server = await startPeerServer({
  host: '127.0.0.1',
  port: 2050,
  uploadLimiter: new UploadLimiter({ bytesPerSecond: 1_000_000 }),
  slots: { slots: 8 },
});
server.serve(key.streamId, window, { state, source: true }); // this node is the publisher
console.log(`serving on ${server.host}:${server.port}`);

// Another peer joins, hears about new chunks, and fetches one.
const peer = await dial('127.0.0.1', server.port, {
  role: 'peer',
  handlers: { have: ({ seq }) => console.log(`the server has chunk ${seq} now`) },
});
const map = await peer.request({ t: 'join', stream: key.streamId });
console.log(`map: base ${map.base}, edge ${map.edge}, live ${map.live}, source ${map.source}`);
window.add(signChunk(key, session, { seq: 3, ts: Date.now(), data: Buffer.alloc(1000, 3) }));

const reply = await peer.request({ t: 'request', seq: 3 });
if (reply.t === 'chunk') console.log(`chunk 3: ${reply.data.length} bytes, signature ${verifyChunk(key.streamId, session, reply) ? 'good' : 'BAD'}`);
const refusal = await peer.request({ t: 'request', seq: 99 });
if (refusal.t === 'reject') console.log(`chunk 99: ${refusal.reason}`);

console.log(`uploaded ${server.stats().bytesUploaded} bytes`);
await peer.close();
await server.close();
