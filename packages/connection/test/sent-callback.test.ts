import { describe, expect, it } from 'vitest';
import type { ChunkMessage } from '@p2pstream/wire';
import { UploadLimiter } from '../src/index.js';
import { dialServer, nextConnection, SIG, startServer, waitUntil } from './helpers.js';
import { connectTo, memoryServer, turn } from './memory-helpers.js';

const CHUNK_BYTES = 64 * 1024;
const CHUNKS = 200;

const chunk = (seq: number): ChunkMessage => ({ t: 'chunk', re: seq + 1, seq, ts: 0, sig: SIG, data: Buffer.alloc(CHUNK_BYTES, seq & 0xff) });

/** Whether every byte of `data` is `value`. */
const allOf = (data: Uint8Array, value: number): boolean => data.every((byte) => byte === value);

describe("send's `sent`: when a chunk's buffer may be used again", () => {
  it.each([
    ['as written', undefined],
    ['behind an upload limiter', () => new UploadLimiter({ bytesPerSecond: 64 * 1024 * 1024, burstBytes: 256 * 1024 })],
  ])('over TCP (%s), comes once per chunk, in order, and overwriting the buffer then changes nothing the other side gets', async (_, limiter) => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const sender = await dialServer(server, { limits: { maxSendBufferBytes: 64 * 1024 * 1024 }, uploadLimiter: limiter?.() });
    const receiver = await accepted;
    const intact: boolean[] = [];
    receiver.on('message', (message) => message.t === 'chunk' && (intact[message.seq] = allOf(message.data, message.seq & 0xff)));
    const sent: number[] = [];
    // Both ends share this process: while this loop runs nothing is read, so most chunks wait in Node's buffer.
    for (let seq = 0; seq < CHUNKS; seq++) {
      const message = chunk(seq);
      sender.send(message, {
        sent: () => {
          sent.push(seq);
          message.data.fill(0xee);
        },
      });
    }
    await waitUntil(() => intact.filter((ok) => ok !== undefined).length === CHUNKS && sent.length === CHUNKS, 10_000);
    expect(intact.every(Boolean)).toBe(true);
    expect(sent).toEqual(Array.from({ length: CHUNKS }, (_, seq) => seq));
  });

  it('never comes over an in-memory pair, which hands the bytes themselves to the other side', async () => {
    const server = memoryServer();
    const received = new Promise<ChunkMessage>((resolve) => server.on('connection', (connection) => connection.on('message', (message) => message.t === 'chunk' && resolve(message))));
    const sender = await connectTo(server);
    let sentCalls = 0;
    sender.send(chunk(7), { sent: () => sentCalls++ });
    expect(allOf((await received).data, 7)).toBe(true);
    await turn();
    expect(sentCalls).toBe(0);
  });
});
