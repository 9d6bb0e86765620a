import { describe, expect, it } from 'vitest';
import { encodeFrame, hello, type ChunkMessage } from '@p2pstream/wire';
import { dial, UploadLimiter, type Connection } from '../src/index.js';
import { createMemoryPair } from '../src/testing/index.js';
import { dialServer, nextConnection, SIG, startRawServer, startServer, track, waitUntil } from './helpers.js';
import { connectTo, memoryServer, turn } from './memory-helpers.js';

const chunk = (seq: number, bytes = 64 * 1024): ChunkMessage => ({ t: 'chunk', re: seq + 1, seq, ts: 0, sig: SIG, data: Buffer.alloc(bytes, seq) });

/** Dials a server that completes the handshake and then never reads another byte. */
async function dialStuckReader(limits: object): Promise<Connection> {
  const { port } = await startRawServer((socket) => {
    socket.write(encodeFrame(hello('peer')));
    socket.once('data', () => socket.pause());
  });
  return track(await dial('127.0.0.1', port, { role: 'peer', limits }));
}

describe('backpressure', () => {
  it('reports no room to a sender whose reader never reads, keeps its buffer bounded, and closes at the maximum', async () => {
    const limits = { sendHighWaterBytes: 256 * 1024, maxSendBufferBytes: 1024 * 1024, closeTimeout: 100 };
    const connection = await dialStuckReader(limits);
    let firstRefusal = -1;
    let peak = 0;
    for (let seq = 0; seq < 4000 && connection.state === 'open'; seq++) {
      const room = connection.send(chunk(seq));
      peak = Math.max(peak, connection.bufferedBytes);
      if (!room && firstRefusal < 0) firstRefusal = seq;
    }
    // The kernel's socket buffers take some first; after that only our maximum.
    expect(firstRefusal).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(limits.maxSendBufferBytes);
    expect(connection.state).not.toBe('open');
    expect(await connection.closed).toMatchObject({ code: 'SEND_BUFFER_FULL', byRemote: false });
  });

  it('resolves drained() once a reader that fell behind catches up, and delivers everything sent', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const highWater = 128 * 1024;
    const sender = await dialServer(server, { limits: { sendHighWaterBytes: highWater, maxSendBufferBytes: 64 * 1024 * 1024 } });
    const receiver = await accepted;
    let received = 0;
    receiver.on('message', (message) => message.t === 'chunk' && received++);
    // Both ends share this process: while this loop runs the reader cannot read, so the pipe fills.
    let sent = 0;
    let room = true;
    while (room && sent < 10_000) room = sender.send(chunk(sent++));
    expect(room).toBe(false);
    expect(sender.bufferedBytes).toBeGreaterThanOrEqual(highWater);
    await sender.drained({ signal: AbortSignal.timeout(5000) });
    expect(sender.bufferedBytes).toBeLessThan(highWater);
    await waitUntil(() => received === sent, 5000);
  });

});

/** A server-side connection over an in-memory pair whose other end said hello and then never reads. */
async function acceptStuckReader(limits: object): Promise<{ connection: Connection; reader: ReturnType<typeof createMemoryPair>[0] }> {
  const server = memoryServer({ limits });
  const [reader, theirs] = createMemoryPair();
  const connection = server.accept(theirs)!;
  reader.write(encodeFrame(hello('peer')));
  await connection.opened;
  return { connection, reader };
}

describe('backpressure over an in-memory pair', () => {
  it('reports no room exactly at the high-water mark, and closes at the maximum with SEND_BUFFER_FULL', async () => {
    const limits = { sendHighWaterBytes: 256 * 1024, maxSendBufferBytes: 1024 * 1024 };
    const { connection } = await acceptStuckReader(limits);
    const rooms: boolean[] = [];
    let peak = 0;
    for (let seq = 0; seq < 100 && connection.state === 'open'; seq++) {
      rooms.push(connection.send(chunk(seq)));
      // (Once closed, the buffer also holds the error frame that tells the reader why.)
      if (connection.state === 'open') peak = Math.max(peak, connection.bufferedBytes);
    }
    // No kernel buffer in between: what waits is exactly our hello (never read either) and the chunks sent.
    const waiting: number[] = [];
    for (let seq = 0, bytes = encodeFrame(hello('peer')).length; seq < rooms.length; seq++) waiting.push((bytes += encodeFrame(chunk(seq)).length));
    expect(rooms.indexOf(false)).toBe(waiting.findIndex((bytes) => bytes >= limits.sendHighWaterBytes));
    expect(rooms.length - 1).toBe(waiting.findIndex((bytes) => bytes > limits.maxSendBufferBytes));
    expect(peak).toBe(waiting[rooms.length - 2]);
    expect(await connection.closed).toMatchObject({ code: 'SEND_BUFFER_FULL', byRemote: false });
  });

  it('resolves drained() once the reader reads, and delivers everything sent in order', async () => {
    const server = memoryServer();
    const accepted = nextConnection(server);
    const sender = await connectTo(server, { limits: { sendHighWaterBytes: 128 * 1024 } });
    const receiver = await accepted;
    const received: number[] = [];
    receiver.on('message', (message) => message.t === 'chunk' && received.push(message.seq));
    let sent = 0;
    while (sender.send(chunk(sent++)) && sent < 100);
    expect(sent).toBe(2); // the second 64 KiB chunk reaches the 128 KiB mark
    await sender.drained();
    expect(sender.bufferedBytes).toBe(0);
    expect(received).toEqual([0, 1]);
  });

  it('rejects drained() with the signal reason when it aborts, and with CONNECTION_CLOSED when the connection closes', async () => {
    const { connection } = await acceptStuckReader({ sendHighWaterBytes: 64 * 1024, maxSendBufferBytes: 16 * 1024 * 1024, closeTimeout: 100 });
    while (connection.send(chunk(0)));
    const controller = new AbortController();
    const aborted = connection.drained({ signal: controller.signal });
    controller.abort(new Error('gave up waiting'));
    await expect(aborted).rejects.toThrow('gave up waiting');
    const waiting = connection.drained();
    void connection.close({ code: 'GIVING_UP', message: 'reader too slow' });
    await expect(waiting).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', reason: { code: 'GIVING_UP' } });
  });

  it('lets a reader that stopped catch up: drained() resolves when it reads again', async () => {
    const { connection, reader } = await acceptStuckReader({ sendHighWaterBytes: 64 * 1024 });
    let sent = 0;
    while (connection.send(chunk(sent++)) && sent < 100);
    const drained = connection.drained();
    let settled = false;
    void drained.then(() => (settled = true));
    await turn();
    expect(settled).toBe(false);
    let bytes = 0;
    reader.on('data', (data) => (bytes += data.length));
    await drained;
    expect(bytes).toBe(sent * encodeFrame(chunk(0)).length + encodeFrame(hello('peer')).length);
  });
});

describe('upload limiter on connections', () => {
  it('paces what a connection sends to the limiter rate', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const limiter = new UploadLimiter({ bytesPerSecond: 2 * 1024 * 1024, burstBytes: 64 * 1024 });
    const sender = await dialServer(server, { uploadLimiter: limiter });
    const receiver = await accepted;
    let bytes = 0;
    const done = new Promise<void>((resolve) =>
      receiver.on('message', (message) => {
        if (message.t === 'chunk' && (bytes += message.data.length) >= 512 * 1024) resolve();
      }),
    );
    const started = performance.now();
    for (let seq = 0; seq < 16; seq++) sender.send(chunk(seq, 32 * 1024));
    await done;
    // 512 KiB at 2 MiB/s with a 64 KiB head start cannot arrive in less than ~220 ms (a lower bound: it cannot flake on a slow machine).
    expect(performance.now() - started).toBeGreaterThanOrEqual(((512 - 64) / 2048) * 1000 - 5);
  });

  it('sends control messages at once, ahead of the chunks a capped uplink has queued, and keeps each kind in order', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    // 8 chunks of 16 KiB at 128 KiB/s: most of a second of chunk data waits for the limiter.
    const limiter = new UploadLimiter({ bytesPerSecond: 128 * 1024, burstBytes: 16 * 1024 });
    const sender = await dialServer(server, { uploadLimiter: limiter });
    const receiver = await accepted;
    const received: string[] = [];
    const haves = new Promise<void>((resolve) =>
      receiver.on('message', (message) => {
        received.push(message.t === 'chunk' ? `chunk ${message.seq}` : message.t === 'have' ? `have ${message.seq}` : message.t);
        if (message.t === 'have' && message.seq === 2) resolve();
      }),
    );
    for (let seq = 0; seq < 8; seq++) sender.send(chunk(seq, 16 * 1024));
    for (let seq = 0; seq < 3; seq++) sender.send({ t: 'have', seq });
    await haves;
    // The haves came before all but the chunks the burst let through (the first, perhaps a second).
    expect(received.filter((what) => what.startsWith('chunk')).length).toBeLessThanOrEqual(2);
    expect(received.filter((what) => what.startsWith('have'))).toEqual(['have 0', 'have 1', 'have 2']);
    await waitUntil(() => received.length === 11, 5_000);
    expect(received.filter((what) => what.startsWith('chunk'))).toEqual(Array.from({ length: 8 }, (_, seq) => `chunk ${seq}`));
  });

  it('shares one rate between every connection that uses the same limiter', async () => {
    const server = await startServer();
    const limiter = new UploadLimiter({ bytesPerSecond: 1024 * 1024, burstBytes: 32 * 1024 });
    let bytes = 0;
    let resolveDone: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    server.on('connection', (connection) =>
      connection.on('message', (message) => {
        if (message.t === 'chunk' && (bytes += message.data.length) >= 256 * 1024) resolveDone();
      }),
    );
    const senders = [await dialServer(server, { uploadLimiter: limiter }), await dialServer(server, { uploadLimiter: limiter })];
    const started = performance.now();
    for (let seq = 0; seq < 8; seq++) for (const sender of senders) sender.send(chunk(seq, 16 * 1024));
    await done;
    expect(performance.now() - started).toBeGreaterThanOrEqual(((256 - 32) / 1024) * 1000 - 5);
  });
});
