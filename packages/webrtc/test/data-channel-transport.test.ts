import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataChannelTransport } from '../src/index.js';
import { collect, openChannelPair, openTransportPair, track, waitUntil } from './helpers.js';

describe('a data channel as a transport', () => {
  it('delivers bytes in order and whole, in messages of at most 16 KiB, and knows the address on the selected candidate pair', async () => {
    const [a, b] = await openChannelPair();
    const sizes: number[] = [];
    const send = a.channel.send.bind(a.channel);
    a.channel.send = (data) => {
      sizes.push(data.byteLength);
      send(data);
    };
    const writer = track(dataChannelTransport(a.channel, { peerConnection: a.peerConnection, remoteAddress: a.remote?.address }));
    const reader = track(dataChannelTransport(b.channel, { peerConnection: b.peerConnection }));
    const received = collect(reader);
    collect(writer);
    const payload = randomBytes(300_000);
    writer.write(payload.subarray(0, 1));
    writer.write(payload.subarray(1, 100_000));
    writer.end(payload.subarray(100_000));
    await received.ended;
    expect(received.bytes().equals(payload)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16 * 1024);
    expect(writer.remoteAddress).toMatch(/^[0-9a-f.:]+$/);
  });

  it('keeps what arrives on a channel from openDataChannel until its transport is made, however late', async () => {
    const [a, b] = await openChannelPair();
    const early = track(dataChannelTransport(a.channel, { peerConnection: a.peerConnection }));
    // The other side is busy for a while after its channel opened; the early side's window message is already on its way.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = track(dataChannelTransport(b.channel, { peerConnection: b.peerConnection }));
    const received = collect(early);
    late.end(Buffer.from('sent by the late side'));
    await received.ended;
    expect(received.bytes().toString()).toBe('sent by the late side');
  });

  it('half-closes like a socket: the other side gets end, ends too, and both close', async () => {
    const [a, b] = await openTransportPair();
    const events: string[] = [];
    // As with a socket, an end is read only by a side that reads.
    collect(a);
    collect(b);
    a.on('close', () => events.push('a close'));
    b.on('end', () => events.push('b end'));
    b.on('close', () => events.push('b close'));
    a.end(Buffer.from('bye'));
    await waitUntil(() => events.length === 3);
    expect(events).toContain('b end');
    expect(a.writable).toBe(false);
    expect(b.writable).toBe(false);
  });

  it('resets the other side when destroyed with an error, and refuses a write after end', async () => {
    const [a, b] = await openTransportPair();
    const errors: string[] = [];
    b.on('data', () => undefined);
    b.on('error', (error) => errors.push(`b: ${(error as { code?: string }).code}`));
    a.on('error', (error) => errors.push(`a: ${error.message}`));
    a.destroy(new Error('gave up'));
    await waitUntil(() => b.destroyed && errors.length === 2);
    expect(errors.sort()).toEqual(['a: gave up', 'b: TRANSPORT_RESET']);

    const [c, d] = await openTransportPair();
    const codes: string[] = [];
    collect(c);
    collect(d);
    c.on('error', (error) => codes.push((error as { code?: string }).code ?? ''));
    c.end();
    expect(c.write(Buffer.from('late'))).toBe(false);
    await waitUntil(() => codes.length === 1);
    expect(codes).toEqual(['WRITE_AFTER_END']);
  });

  it('cuts off a sender that goes over the window it was given, or sends what the transport never sends', async () => {
    const [a, b] = await openChannelPair();
    const transport = track(dataChannelTransport(a.channel, { peerConnection: a.peerConnection, receiveWindow: 64 * 1024 }));
    const errors: string[] = [];
    transport.on('error', (error) => errors.push((error as { code?: string }).code ?? error.message));
    transport.pause();
    // The other side ignores the window: five 16 KiB messages where four fit.
    const piece = new Uint8Array(16 * 1024);
    for (let i = 0; i < 5; i++) b.channel.send(piece);
    await waitUntil(() => errors.length === 1);
    expect(errors).toEqual(['RECEIVE_WINDOW_EXCEEDED']);
    expect(transport.readableLength).toBe(0);

    const [c, d] = await openChannelPair();
    const other = track(dataChannelTransport(c.channel, { peerConnection: c.peerConnection }));
    other.on('error', (error) => errors.push((error as { code?: string }).code ?? error.message));
    d.channel.send(new Uint8Array([9, 1, 2]));
    await waitUntil(() => errors.length === 2);
    expect(errors[1]).toBe('BAD_CHANNEL_MESSAGE');
  });

  it('makes the writer wait while the reader is paused, holding no more than the receive window on either side', async () => {
    const window = 256 * 1024;
    const [writer, reader] = await openTransportPair({ receiveWindow: window, highWaterMark: window, channelBufferBytes: 64 * 1024 });
    const received = collect(reader);
    reader.pause();
    const payload = randomBytes(4 * window);
    expect(writer.write(payload)).toBe(false);
    let drained = false;
    writer.once('drain', () => (drained = true));
    // The whole window arrives and waits unread; nothing beyond it is sent.
    await waitUntil(() => reader.readableLength === window);
    expect(writer.writableLength).toBe(payload.length);
    expect(drained).toBe(false);
    reader.resume();
    await waitUntil(() => drained);
    writer.end();
    await received.ended;
    expect(received.bytes().equals(payload)).toBe(true);
  });
});
