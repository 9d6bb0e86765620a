import { describe, expect, it } from 'vitest';
import { Chunker, readPcr, TS_PACKET_BYTES, type UnsignedChunk } from '../src/index.js';
import { PCR_WRAP_TICKS } from '../src/constants.js';
import { PushSource } from '../../../tools/testing/index.js';
import { collect, isSettled, piecesOfSizes, sameBytes, WALL_CLOCK_START } from './helpers.js';
import { PCR_PID, tsPacket, tsStream } from './ts-packets.js';
import { ManualClock } from '@p2pstream/units';

function expectAligned(chunks: UnsignedChunk[]): void {
  const misaligned: string[] = [];
  for (const chunk of chunks) {
    if (chunk.data.length % TS_PACKET_BYTES !== 0) misaligned.push(`chunk ${chunk.seq} is ${chunk.data.length} bytes`);
    for (let at = 0; at < chunk.data.length; at += TS_PACKET_BYTES) {
      if (chunk.data[at] !== 0x47) misaligned.push(`chunk ${chunk.seq} has no sync byte at ${at}`);
    }
  }
  expect(misaligned).toEqual([]);
}

/** Collects every chunk while moving the fake clock on, so paced chunks come out at their times. */
async function collectPaced(clock: ManualClock, chunks: AsyncIterable<UnsignedChunk>, ms: number): Promise<UnsignedChunk[]> {
  const all = collect(chunks);
  await clock.run(ms);
  return all;
}

describe('Chunker on MPEG-TS', () => {
  it('rounds chunkBytes down to whole packets', () => {
    expect(new Chunker({ mpegts: true }).chunkBytes).toBe(65_424);
    expect(new Chunker({ mpegts: true, chunkBytes: 1000 }).chunkBytes).toBe(940);
  });

  it('makes every chunk a whole number of packets, each starting with 0x47, whatever the read sizes', async () => {
    const input = tsStream(2000);
    const chunker = new Chunker({ mpegts: true, clock: new ManualClock(WALL_CLOCK_START) });
    const chunks = await collect(chunker.chunks(piecesOfSizes(input, [1000, 7, 188, 5000, 33, 70_000])));
    expectAligned(chunks);
    expect(chunks.slice(0, -1).every((c) => c.data.length === 65_424)).toBe(true);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), input)).toBe('same');
  });

  it('cuts only whole packets on time and keeps the partial packet for the next chunk', async () => {
    const clock = new ManualClock(WALL_CLOCK_START);
    const t0 = clock.now();
    const source = new PushSource();
    const chunks = new Chunker({ mpegts: true, clock }).chunks(source);
    const input = tsStream(3);
    const first = chunks.next();
    source.push(input.subarray(0, 2 * 188 + 100));
    await clock.run(500);
    expect((await first).value).toMatchObject({ ts: t0 + 500, data: input.subarray(0, 376) });
    const second = chunks.next();
    await clock.run(1000); // a partial packet alone is never cut
    expect(await isSettled(second)).toBe(false);
    source.push(input.subarray(476));
    const last = (await second).value as UnsignedChunk;
    expect(last).toMatchObject({ seq: 1, ts: t0 + 1500 }); // overdue: cut as soon as the packet completed
    expect(Buffer.from(last.data)).toEqual(input.subarray(376));
    source.end();
  });

  it('skips bytes up to the next sync byte when packet sync is lost, and says how many', async () => {
    const packets = tsStream(40);
    const garbage = Buffer.alloc(5, 0x00);
    const input = Buffer.concat([garbage, packets.subarray(0, 10 * 188), Buffer.alloc(3, 0x11), packets.subarray(10 * 188)]);
    const skipped: number[] = [];
    const chunker = new Chunker({ mpegts: true, chunkBytes: 1880, clock: new ManualClock(WALL_CLOCK_START), onResync: (n) => skipped.push(n) });
    const chunks = await collect(chunker.chunks(piecesOfSizes(input, [100, 1000])));
    expectAligned(chunks);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), packets)).toBe('same');
    expect(skipped.reduce((a, b) => a + b, 0)).toBe(8);
  });
});

describe('MPEG-TS PCR', () => {
  it('reads the 27 MHz PCR and its PID from the adaptation field', () => {
    const ticks = 123_456_789_012;
    expect(readPcr(tsPacket(PCR_PID, { pcrTicks: ticks }), 0)).toEqual({ pid: PCR_PID, ticks, discontinuity: false });
    expect(readPcr(tsPacket(PCR_PID, { pcrTicks: 5, discontinuity: true }), 0)).toMatchObject({ discontinuity: true });
  });

  it('finds no PCR in a packet without one, with a transport error or out of sync', () => {
    expect(readPcr(tsPacket(PCR_PID), 0)).toBeUndefined();
    const errored = tsPacket(PCR_PID, { pcrTicks: 1000 });
    errored[1]! |= 0x80;
    expect(readPcr(errored, 0)).toBeUndefined();
    const unsynced = tsPacket(PCR_PID, { pcrTicks: 1000 });
    unsynced[0] = 0;
    expect(readPcr(unsynced, 0)).toBeUndefined();
    expect(readPcr(tsPacket(PCR_PID, { pcrTicks: 1000 }).subarray(0, 100), 0)).toBeUndefined();
  });

  it('paces a file by its PCR: each chunk holds chunkMs of media and comes out when that media time has passed', async () => {
    // A PCR every 10 packets, 40 ms apart: packet 10k is at 40k ms.
    const input = tsStream(500, 10, 40);
    const clock = new ManualClock(WALL_CLOCK_START);
    const t0 = clock.now();
    const chunker = new Chunker({ mpegts: true, realtime: true, chunkMs: 200, clock });
    const chunks = await collectPaced(clock, chunker.chunks(piecesOfSizes(input, [64 * 1024])), 3000);
    expect(chunks.map((c) => c.ts - t0)).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 1960]);
    expect(chunks.map((c) => c.data.length / 188)).toEqual([51, 50, 50, 50, 50, 50, 50, 50, 50, 49]);
    expectAligned(chunks);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), input)).toBe('same');
  });

  it('cuts on a grid of chunkMs of media even when PCRs do not fall on it, so chunks do not grow longer', async () => {
    // PCRs 30 ms apart never land on a 200 ms line: each cut falls on the first PCR past its line.
    const input = tsStream(3000, 10, 30);
    const clock = new ManualClock(WALL_CLOCK_START);
    const t0 = clock.now();
    const chunker = new Chunker({ mpegts: true, realtime: true, chunkMs: 200, clock });
    const chunks = await collectPaced(clock, chunker.chunks(piecesOfSizes(input, [64 * 1024])), 12_000);
    expect(chunks.slice(0, 6).map((c) => c.ts - t0)).toEqual([210, 420, 600, 810, 1020, 1200]);
    // Measured from the last cut instead, every chunk would hold 210 ms and chunk 40 would end at 8400 ms.
    expect(chunks[39]!.ts - t0).toBe(8010);
    expectAligned(chunks);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), input)).toBe('same');
  });

  it('does not wait out a PCR discontinuity, such as a looped or spliced file', async () => {
    const input = Buffer.concat([tsStream(100, 10, 40), tsStream(100, 10, 40, 10_000 * 27_000)]);
    const clock = new ManualClock(WALL_CLOCK_START);
    const t0 = clock.now();
    const chunker = new Chunker({ mpegts: true, realtime: true, chunkMs: 200, clock });
    const chunks = await collectPaced(clock, chunker.chunks(piecesOfSizes(input, [64 * 1024])), 12_000);
    expect(chunks.at(-1)!.ts - t0).toBe(720);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), input)).toBe('same');
  });

  it('counts media time across the 33-bit PCR wrap', async () => {
    const input = tsStream(200, 10, 40, PCR_WRAP_TICKS - 100 * 27_000);
    const clock = new ManualClock(WALL_CLOCK_START);
    const t0 = clock.now();
    const chunker = new Chunker({ mpegts: true, realtime: true, chunkMs: 200, clock });
    const chunks = await collectPaced(clock, chunker.chunks(piecesOfSizes(input, [64 * 1024])), 2000);
    expect(chunks.at(-1)!.ts - t0).toBe(760);
  });
});
