import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chunker, ChunkWindow, FileData, loadOrCreateStreamKey, newSession, verifierFor, verifyChunk } from '@p2pstream/data';

const dir = await mkdtemp(join(tmpdir(), 'p2pstream-example-'));

// The publisher's identity: created on first run (mode 0600), loaded afterwards.
const key = await loadOrCreateStreamKey(join(dir, 'stream.key'));
console.log(`publishing as ${key}`);

// Something to publish: 300,000 bytes in a file.
const movie = new FileData(join(dir, 'movie.bin'));
await movie.write(new Uint8Array(300_000).fill(0x47));

// Publisher: cut the file into chunks signed in this publish's session. Viewer: verify each, then keep it.
const session = newSession(); // a fresh one per publish; viewers get it from central's look-up
const verifier = verifierFor(key.streamId); // what a viewer builds from the stream id it looked up
const window = new ChunkWindow({ live: true, capacity: 120 });
window.onChunk((chunk) => console.log(`chunk ${chunk.seq}: ${chunk.data.length} bytes`));
for await (const chunk of new Chunker({ chunkBytes: 64 * 1024 }).chunks(movie.read(), { key, session })) {
  if (verifyChunk(verifier, session, chunk)) window.add(chunk);
}
window.finish();
console.log(window.bufferMap()); // { base: 0, bits: Uint8Array(1) [ 248 ] }: chunks 0-4 held

await rm(dir, { recursive: true });
