import { describe, expect, it } from 'vitest';
import { encodeFrame, hello, type Message } from '@p2pstream/wire';
import type { Connection } from '../src/index.js';
import { QUEUED_FRAME_OVERHEAD_BYTES } from '../src/constants.js';
import { createMemoryPair, type MemoryTransport } from '../src/testing/index.js';
import { memoryServer, turn } from './memory-helpers.js';

/**
 * A server-side connection that answers every `request` with a small `reject`,
 * over an in-memory pair whose other end has said hello and then stopped reading.
 */
async function answeringServerWithStuckReader(limits: object): Promise<{ connection: Connection; reader: MemoryTransport; handled: () => number }> {
  let handled = 0;
  const server = memoryServer({
    // The reader never closes its end: the server's close need not wait long for it.
    limits: { closeTimeout: 100, ...limits },
    handlers: {
      request: (message, connection) => {
        handled += 1;
        connection.reply(message, { t: 'reject', seq: message.seq, reason: 'BUSY' });
      },
    },
  });
  const [reader, theirs] = createMemoryPair({ highWaterMark: 1024 });
  const connection = server.accept(theirs)!;
  reader.write(encodeFrame(hello('peer')));
  await connection.opened;
  reader.pause();
  return { connection, reader, handled: () => handled };
}

const request = (seq: number): Message => ({ t: 'request', id: seq + 1, seq });

describe('queued frames', () => {
  it('counts each small queued frame with its overhead, not only its bytes', async () => {
    const { connection } = await answeringServerWithStuckReader({ sendHighWaterBytes: 1024 * 1024 });
    for (let i = 0; i < 100; i++) connection.send({ t: 'have', seq: i });
    expect(connection.queuedFrames).toBeGreaterThanOrEqual(100);
    expect(connection.bufferedCost).toBe(connection.bufferedBytes + connection.queuedFrames * QUEUED_FRAME_OVERHEAD_BYTES);
  });

  it('counts as flushed only the bytes the other side took, and every byte once it reads', async () => {
    const { connection, reader } = await answeringServerWithStuckReader({ sendHighWaterBytes: 1024 * 1024 });
    // Bytes written before (its hello, which the reader has not read either).
    const before = connection.bytesFlushed + connection.bufferedBytes;
    let sentBytes = 0;
    for (let i = 0; i < 1000; i++) {
      const have: Message = { t: 'have', seq: i };
      sentBytes += encodeFrame(have).length;
      connection.send(have);
    }
    await turn();
    // The reader is paused: most of it waits, and what waits is not flushed.
    expect(connection.bufferedBytes).toBeGreaterThan(0);
    expect(connection.bytesFlushed + connection.bufferedBytes).toBe(before + sentBytes);
    reader.on('data', () => undefined);
    reader.resume();
    for (let i = 0; i < 100 && connection.bufferedBytes > 0; i++) await turn();
    expect(connection.bufferedBytes).toBe(0);
    expect(connection.bytesFlushed).toBe(before + sentBytes);
  });

  it('closes with SEND_BUFFER_FULL when tiny frames alone would take what waits over the maximum', async () => {
    const limits = { sendHighWaterBytes: 64 * 1024, maxSendBufferBytes: 256 * 1024 };
    const { connection } = await answeringServerWithStuckReader(limits);
    let sent = 0;
    while (connection.state === 'open' && sent < 100_000) connection.send({ t: 'have', seq: sent++ });
    // A `have` is a few bytes: by bytes alone 256 KiB would take tens of thousands of them.
    expect(sent).toBeLessThan(limits.maxSendBufferBytes / QUEUED_FRAME_OVERHEAD_BYTES + 2);
    expect(await connection.closed).toMatchObject({ code: 'SEND_BUFFER_FULL' });
  });

  it('stops reading the requests of a side that does not read its answers, and reads on once it catches up', async () => {
    const highWater = 64 * 1024;
    const { connection, reader, handled } = await answeringServerWithStuckReader({ sendHighWaterBytes: highWater, maxPeerRequests: 100_000 });
    // The other side asks and asks: far more answers than the high-water mark holds.
    const asked = 20_000;
    for (let seq = 0; seq < asked; seq++) reader.write(encodeFrame(request(seq)));
    for (let i = 0; i < 50 && handled() < asked && !connection.readsPaused; i++) await turn();
    expect(connection.readsPaused).toBe(true);
    const handledWhilePaused = handled();
    for (let i = 0; i < 20; i++) await turn();
    expect(handled()).toBe(handledWhilePaused);
    expect(handledWhilePaused).toBeLessThan(asked);
    // What waits stays near the mark: the answers of what was read before the pause, no more.
    expect(connection.bufferedCost).toBeLessThan(2 * highWater);
    expect(connection.state).toBe('open');

    let answers = 0;
    reader.on('data', (data) => (answers += data.length));
    reader.resume();
    for (let i = 0; i < 2000 && handled() < asked; i++) await turn();
    expect(handled()).toBe(asked);
    expect(connection.readsPaused).toBe(false);
    expect(answers).toBeGreaterThan(0);
  });
});
