import { Socket } from 'node:net';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Transport } from '../src/index.js';
import { createMemoryPair, type MemoryTransport } from '../src/testing/index.js';
import { turn } from './memory-helpers.js';
import { ManualClock } from '@p2pstream/units';

function collect(end: MemoryTransport): { bytes: () => Buffer; events: string[] } {
  const parts: Buffer[] = [];
  const events: string[] = [];
  end.on('data', (data) => parts.push(data));
  for (const event of ['end', 'drain', 'close'] as const) end.on(event, () => events.push(event));
  end.on('error', (error) => events.push(`error:${(error as { code?: string }).code}`));
  return { bytes: () => Buffer.concat(parts), events };
}

describe('the in-memory transport pair', () => {
  it('is a Transport, as a net.Socket is', () => {
    expectTypeOf<MemoryTransport>().toMatchTypeOf<Transport>();
    expectTypeOf<Socket>().toMatchTypeOf<Transport>();
  });

  it('delivers what one end writes to the other, in order and uncopied, with each side seeing the other address', async () => {
    const [a, b] = createMemoryPair({ first: { address: '127.0.0.9', port: 5000 }, second: { address: '127.0.0.1', port: 2050 } });
    const received = collect(b);
    const payload = Buffer.from('payload');
    a.write(Buffer.from('head '));
    a.write(payload);
    expect(received.bytes().length).toBe(0); // nothing arrives within the write
    let seen: Buffer | undefined;
    b.on('data', (data) => (seen ??= data.equals(payload) ? data : undefined));
    await turn();
    expect(received.bytes().toString()).toBe('head payload');
    expect(seen).toBe(payload);
    expect([b.remoteAddress, b.remotePort, a.remoteAddress, a.remotePort]).toEqual(['127.0.0.9', 5000, '127.0.0.1', 2050]);
    expect([a.localAddress, a.localPort]).toEqual(['127.0.0.9', 5000]);
  });

  it('holds bytes that arrive before anyone reads them, and hands them to the first data listener', async () => {
    const [a, b] = createMemoryPair();
    a.write(Buffer.from('early'));
    await turn();
    expect(b.isPaused).toBe(true);
    const received = collect(b);
    await turn();
    expect(received.bytes().toString()).toBe('early');
  });

  it('reports no room at the high-water mark while the reader is paused, and drains once it reads', async () => {
    const [a, b] = createMemoryPair({ highWaterMark: 1000 });
    const writer = collect(a);
    const reader = collect(b);
    b.pause();
    expect(a.write(Buffer.alloc(600))).toBe(true);
    expect(a.write(Buffer.alloc(600))).toBe(false);
    await turn();
    await turn();
    expect(a.writableLength).toBe(1200);
    expect(writer.events).toEqual([]);
    b.resume();
    await turn();
    expect(reader.bytes().length).toBe(1200);
    expect(a.writableLength).toBe(0);
    expect(writer.events).toEqual(['drain']);
  });

  it('propagates end after the bytes before it, ends the other side too, and closes both', async () => {
    const [a, b] = createMemoryPair();
    const left = collect(a);
    const right = collect(b);
    a.end(Buffer.from('last words'));
    expect(a.writable).toBe(false);
    expect(a.writableEnded).toBe(true);
    await turn();
    await turn();
    expect(right.bytes().toString()).toBe('last words');
    expect(right.events).toEqual(['end', 'close']);
    expect(left.events).toEqual(['end', 'close']);
    expect(a.destroyed && b.destroyed).toBe(true);
  });

  it('ends the other side when one end is destroyed, and resets it with TRANSPORT_RESET when destroyed with an error', async () => {
    const [a, b] = createMemoryPair();
    const right = collect(b);
    a.destroy();
    await turn();
    await turn();
    expect(right.events).toEqual(['end', 'close']);

    const [c, d] = createMemoryPair();
    const failing = collect(c);
    const reset = collect(d);
    d.pause();
    c.write(Buffer.from('never read'));
    c.destroy(new Error('cable cut'));
    await turn();
    await turn();
    expect(failing.events).toEqual(['error:undefined', 'close']);
    expect(reset.events).toEqual(['error:TRANSPORT_RESET', 'close']);
    expect(reset.bytes().length).toBe(0);
  });

  it('fails a write after end with WRITE_AFTER_END', async () => {
    const [a] = createMemoryPair();
    const events = collect(a).events;
    a.end();
    expect(a.write(Buffer.from('late'))).toBe(false);
    await turn();
    expect(events).toContain('error:WRITE_AFTER_END');
  });

  it('delivers on an injected clock after its latency, and not before', async () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryPair({ clock, latency: 40 });
    const received = collect(b);
    a.write(Buffer.from('ping'));
    await clock.run(39);
    expect(received.bytes().length).toBe(0);
    await clock.run(1);
    expect(received.bytes().toString()).toBe('ping');
  });

  it('refuses a latency without a clock to deliver on', () => {
    expect(() => createMemoryPair({ latency: 5 })).toThrow(RangeError);
  });
});
