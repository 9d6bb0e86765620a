import { describe, expect, it } from 'vitest';
import { LagSampler, lagSignature, stampedPacket } from './lag-sampler.js';
import { mpegTsProblem, NULL_PID, packetPid, TS_PACKET_BYTES } from '@p2pstream/data';
import { seededRandom } from '@p2pstream/units';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; set: (ms: number) => void } {
  let time = 0;
  return { now: () => time, set: (ms) => (time = ms) };
}

/** `count` 188-byte packets of video-like filler (sync byte, PID 0x100, random payload). */
function mediaPackets(count: number, random: () => number): Buffer {
  const bytes = Buffer.alloc(count * TS_PACKET_BYTES);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(random() * 256);
  for (let p = 0; p < count; p += 1) bytes.set([0x47, 0x41, 0x00, 0x10], p * TS_PACKET_BYTES);
  return bytes;
}

describe('stamped lag samples', () => {
  it('are whole MPEG-TS null packets (PID 0x1FFF), which players drop', () => {
    const packet = stampedPacket(lagSignature(Buffer.from([1, 2, 3, 4])), 7);
    expect(mpegTsProblem(packet)).toBeUndefined();
    expect(packetPid(packet, 0)).toBe(NULL_PID);
  });

  it('differ from one sequence number to the next and from one run to another', () => {
    const a = new LagSampler({ runId: Buffer.from([0, 0, 0, 1]) });
    const b = new LagSampler({ runId: Buffer.from([0, 0, 0, 2]) });
    const first = a.next();
    expect(first.equals(a.next())).toBe(false);
    expect(first.equals(b.next())).toBe(false);
  });
});

describe('a lag scanner', () => {
  it('times each sample from its write to the moment the output holding it arrived', () => {
    const clock = manualClock();
    const sampler = new LagSampler({ now: clock.now });
    const random = seededRandom(1);
    clock.set(1000);
    const stream = Buffer.concat([mediaPackets(5, random), sampler.next(), mediaPackets(5, random)]);
    clock.set(1500);
    const second = sampler.next();
    const scanner = sampler.scanner();
    clock.set(3250);
    scanner.push(stream);
    clock.set(4000);
    scanner.push(second);
    expect(scanner.samples).toEqual([
      { sequence: 0, lagMs: 2250 },
      { sequence: 1, lagMs: 2500 },
    ]);
  });

  it('finds every sample wherever the output is cut into pieces, down to single bytes', () => {
    const clock = manualClock();
    const sampler = new LagSampler({ now: clock.now });
    const random = seededRandom(2);
    const parts: Buffer[] = [];
    for (let i = 0; i < 20; i += 1) parts.push(mediaPackets(3, random), sampler.next());
    const stream = Buffer.concat(parts);
    for (const cut of [1, 7, 24, 25, 26, 187, 188, 189, 1000]) {
      const scanner = sampler.scanner();
      for (let offset = 0; offset < stream.length; offset += cut) scanner.push(stream.subarray(offset, offset + cut));
      expect(
        scanner.samples.map((sample) => sample.sequence),
        `pieces of ${cut} bytes`,
      ).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  });

  it('finds samples in pieces cut at random places, each exactly once', () => {
    const sampler = new LagSampler();
    const random = seededRandom(3);
    const parts: Buffer[] = [];
    for (let i = 0; i < 50; i += 1) parts.push(mediaPackets(1 + Math.floor(random() * 4), random), sampler.next());
    const stream = Buffer.concat(parts);
    const scanner = sampler.scanner();
    for (let offset = 0; offset < stream.length; ) {
      const size = 1 + Math.floor(random() * 600);
      scanner.push(stream.subarray(offset, offset + size));
      offset += size;
    }
    // The same bytes again (a viewer writing a chunk twice) add nothing.
    scanner.push(stream);
    expect(scanner.samples.map((sample) => sample.sequence)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("ignores another run's samples and samples this run never wrote", () => {
    const sampler = new LagSampler({ runId: Buffer.from([9, 9, 9, 9]) });
    const other = new LagSampler({ runId: Buffer.from([8, 8, 8, 8]) });
    const scanner = sampler.scanner();
    scanner.push(Buffer.concat([other.next(), stampedPacket(sampler.signature, 5)]));
    expect(scanner.samples).toEqual([]);
  });
});
