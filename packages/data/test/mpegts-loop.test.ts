import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PCR_GAP_MS, LoopTimestamps, PCR_TICKS_PER_MS, readPcr, TS_PACKET_BYTES } from '../src/index.js';
import { LoopDuration } from '../src/mpegts-loop.js';

/** 20 s of H.264 at 25 fps and AAC (tools/fixtures/README.md). */
const FIXTURE = join(import.meta.dirname, '../../../tools/fixtures/test-stream.mpegts');
const file = readFileSync(FIXTURE);
const WRAP = 2 ** 33;
const LOOPS = 3;

/**
 * The test's own reading of a packet, independent of the code under test: the
 * clocks it carries and where their bits are, so the rest can be compared byte
 * for byte.
 */
interface Packet {
  pid: number;
  counter: number;
  hasPayload: boolean;
  /** PCR base (90 kHz) and extension, at offset 6. */
  pcr?: { base: number; extension: number };
  streamId?: number;
  pts?: { value: number; at: number };
  dts?: { value: number; at: number };
}

function parse(bytes: Uint8Array, offset: number): Packet {
  const packet = bytes.subarray(offset, offset + TS_PACKET_BYTES);
  expect(packet[0]).toBe(0x47);
  const pid = ((packet[1]! & 0x1f) << 8) | packet[2]!;
  const control = packet[3]! >> 4;
  const parsed: Packet = { pid, counter: packet[3]! & 0x0f, hasPayload: (control & 0x1) !== 0 };
  const pcr = readPcr(bytes, offset);
  if (pcr !== undefined) {
    const extension = ((packet[10]! & 0x1) << 8) | packet[11]!;
    parsed.pcr = { base: (pcr.ticks - extension) / 300, extension };
  }
  const start = 4 + ((control & 0x2) !== 0 ? 1 + packet[4]! : 0);
  const pusi = (packet[1]! & 0x40) !== 0;
  if (pusi && parsed.hasPayload && packet[start] === 0 && packet[start + 1] === 0 && packet[start + 2] === 1) {
    parsed.streamId = packet[start + 3]!;
    const flags = packet[start + 7]! >> 6;
    const timestamp = (at: number) => ({
      at,
      value:
        ((packet[at]! >> 1) & 0x7) * 2 ** 30 + packet[at + 1]! * 2 ** 22 + (packet[at + 2]! >> 1) * 2 ** 15 + packet[at + 3]! * 2 ** 7 + (packet[at + 4]! >> 1),
    });
    if (flags & 0b10) parsed.pts = timestamp(start + 9);
    if (flags === 0b11) parsed.dts = timestamp(start + 14);
  }
  return parsed;
}

function packetsOf(bytes: Uint8Array): Packet[] {
  expect(bytes.length % TS_PACKET_BYTES).toBe(0);
  const packets: Packet[] = [];
  for (let at = 0; at < bytes.length; at += TS_PACKET_BYTES) packets.push(parse(bytes, at));
  return packets;
}

/** The packet with the value bits of its PCR base, PTS, DTS and continuity counter zeroed: what must not change. */
function withoutClocks(bytes: Uint8Array, offset: number): Uint8Array {
  const packet = Uint8Array.from(bytes.subarray(offset, offset + TS_PACKET_BYTES));
  const parsed = parse(packet, 0);
  packet[3]! &= 0xf0;
  if (parsed.pcr !== undefined) {
    packet.fill(0, 6, 10);
    packet[10]! &= 0x7f;
  }
  for (const field of [parsed.pts, parsed.dts]) {
    if (field === undefined) continue;
    packet[field.at]! &= 0xf1;
    packet[field.at + 1] = 0;
    packet[field.at + 2]! &= 0x01;
    packet[field.at + 3] = 0;
    packet[field.at + 4]! &= 0x01;
  }
  return packet;
}

/** Feeds `loops` passes of `bytes` in pieces of `pieceBytes`, as `repeat` does with the file's pieces. */
function loop(bytes: Uint8Array, loops: number, pieceBytes: number, timestamps = new LoopTimestamps()): Buffer {
  const out: Uint8Array[] = [];
  for (let k = 0; k < loops; k++) {
    for (let at = 0; at < bytes.length; at += pieceBytes) out.push(timestamps.push(bytes.subarray(at, at + pieceBytes)));
    out.push(timestamps.endLoop());
  }
  return Buffer.concat(out);
}

const original = packetsOf(file);
const isVideo = (id: number | undefined): boolean => id !== undefined && id >= 0xe0 && id <= 0xef;
const videoPid = original.find((p) => isVideo(p.streamId) && p.pts !== undefined)!.pid;
const decodeTime = (p: Packet): number | undefined => (p.dts ?? p.pts)?.value;
/** Steps between consecutive values, in order. */
const steps = (values: number[]): number[] => values.slice(1).map((v, i) => v - values[i]!);
/** The fixture's frame interval: the step between consecutive video decode times. */
const frameTicks = Math.min(...steps(original.filter((p) => p.pid === videoPid).flatMap((p) => decodeTime(p) ?? [])));
const videoPts = original.flatMap((p) => (p.pid === videoPid && p.pts ? [p.pts.value] : []));
/** What the duration must be: the video's PTS span plus one frame. */
const expectedDuration = Math.max(...videoPts) - Math.min(...videoPts) + frameTicks;

describe('LoopTimestamps on the fixture', () => {
  const looped = loop(file, LOOPS, 64 * 1024);
  const out = packetsOf(looped);
  const passOf = (index: number): number => Math.floor(index / original.length);

  it('measures the file as the span of its video PTS plus one frame: 20 s', () => {
    expect(frameTicks).toBe(90_000 / 25);
    expect(expectedDuration).toBe(20 * 90_000);
    const timestamps = new LoopTimestamps();
    loop(file, 1, 64 * 1024, timestamps);
    expect(timestamps.durationTicks).toBe(expectedDuration);
  });

  it('shifts every PCR, PTS and DTS of pass k by k durations and changes no other byte but the continuity counters', () => {
    expect(looped.length).toBe(LOOPS * file.length);
    for (let i = 0; i < out.length; i++) {
      const k = passOf(i);
      const was = original[i % original.length]!;
      const is = out[i]!;
      const shifted = (value: number) => (value + k * expectedDuration) % WRAP;
      if (was.pcr) expect(is.pcr).toEqual({ base: shifted(was.pcr.base), extension: was.pcr.extension });
      if (was.pts) expect(is.pts!.value).toBe(shifted(was.pts.value));
      if (was.dts) expect(is.dts!.value).toBe(shifted(was.dts.value));
    }
    for (let at = 0; at < looped.length; at += TS_PACKET_BYTES) {
      if (!Buffer.from(withoutClocks(looped, at)).equals(withoutClocks(file, at % file.length))) {
        expect.fail(`packet ${at / TS_PACKET_BYTES} changed beyond its clocks`);
      }
    }
  });

  it('keeps every PID’s clocks going forward across the loop point, the video by one frame', () => {
    const pids = [...new Set(original.filter((p) => p.pts).map((p) => p.pid))];
    expect(pids.length).toBeGreaterThanOrEqual(2); // video and audio
    for (const pid of pids) {
      const decode = out.flatMap((p, i) => (p.pid === pid && decodeTime(p) !== undefined ? [{ k: passOf(i), t: decodeTime(p)! }] : []));
      const fileSteps = steps(original.flatMap((p) => (p.pid === pid ? (decodeTime(p) ?? []) : [])));
      for (let i = 1; i < decode.length; i++) {
        const step = decode[i]!.t - decode[i - 1]!.t;
        expect(step, `PID ${pid} decode time, step ${i}`).toBeGreaterThan(0);
        if (decode[i]!.k !== decode[i - 1]!.k) {
          expect(step, `PID ${pid} at the loop point`).toBeLessThanOrEqual(Math.max(...fileSteps));
          if (pid === videoPid) expect(step).toBe(frameTicks);
        }
      }
      // Presentation: all of pass k+1 after all of pass k (B-frames reorder within a pass).
      for (let k = 0; k + 1 < LOOPS; k++) {
        const shown = (pass: number) => out.flatMap((p, i) => (p.pid === pid && p.pts && passOf(i) === pass ? [p.pts.value] : []));
        const gap = Math.min(...shown(k + 1)) - Math.max(...shown(k));
        expect(gap, `PID ${pid} PTS from pass ${k} to ${k + 1}`).toBeGreaterThan(0);
        if (pid === videoPid) expect(gap).toBe(frameTicks);
      }
    }
  });

  it('keeps the PCR stepping as it does in the file, so a chunker pacing by it never re-anchors', () => {
    const pcrPid = original.find((p) => p.pcr)!.pid;
    const fileSteps = steps(original.flatMap((p) => (p.pid === pcrPid && p.pcr ? [p.pcr.base] : [])));
    const pcrs = out.flatMap((p) => (p.pid === pcrPid && p.pcr ? [p.pcr.base] : []));
    const outSteps = steps(pcrs);
    expect(outSteps.length).toBe(LOOPS * (fileSteps.length + 1) - 1);
    for (const step of outSteps) {
      expect(step).toBeGreaterThanOrEqual(Math.min(...fileSteps));
      expect(step).toBeLessThanOrEqual(Math.max(...fileSteps));
      expect(step * 300).toBeLessThanOrEqual(DEFAULT_MAX_PCR_GAP_MS * PCR_TICKS_PER_MS);
    }
  });

  it('continues every PID’s continuity counter across the loop point', () => {
    const errors = (packets: Packet[]): number => {
      const last = new Map<number, number>();
      let count = 0;
      for (const p of packets) {
        if (p.pid === 0x1fff) continue;
        const before = last.get(p.pid);
        if (before !== undefined && p.counter !== ((before + (p.hasPayload ? 1 : 0)) & 0x0f)) count++;
        last.set(p.pid, p.counter);
      }
      return count;
    };
    expect(errors(original)).toBe(0);
    expect(errors(out)).toBe(0);
  });

  it('gives the same bytes whatever the size of the pieces it is fed', () => {
    const aligned = loop(file, 2, TS_PACKET_BYTES * 100);
    for (const pieceBytes of [1000, 7, TS_PACKET_BYTES, file.length]) {
      expect(loop(file, 2, pieceBytes).equals(aligned), `pieces of ${pieceBytes} bytes`).toBe(true);
    }
    expect(aligned.equals(looped.subarray(0, aligned.length))).toBe(true);
    // Hundreds of thousands of 7-byte pieces: seconds of CPU on a shared machine, not a hang.
  }, 60_000);

  it('leaves the bytes it is given alone', () => {
    const copy = Buffer.from(file);
    loop(copy, 2, 64 * 1024);
    expect(copy.equals(file)).toBe(true);
  });
});

describe('LoopTimestamps', () => {
  /** One packet: PID 0x100, a PCR, and the start of a video PES with PTS and DTS. */
  function syntheticPacket(pcrBase: number, pcrExtension: number, pts: number, dts: number): Uint8Array {
    const packet = new Uint8Array(TS_PACKET_BYTES).fill(0xff);
    packet.set([0x47, 0x41, 0x00, 0x35]); // PUSI, PID 0x100, adaptation + payload, counter 5
    packet[4] = 7; // adaptation_field_length
    packet[5] = 0x10; // PCR_flag
    packet.set(
      [Math.floor(pcrBase / 2 ** 25), Math.floor(pcrBase / 2 ** 17) & 0xff, Math.floor(pcrBase / 2 ** 9) & 0xff, Math.floor(pcrBase / 2) & 0xff, ((pcrBase % 2) << 7) | 0x7e | (pcrExtension >> 8), pcrExtension & 0xff],
      6,
    );
    const field = (prefix: number, value: number) => {
      const low = value % 2 ** 30;
      return [(prefix << 4) | (Math.floor(value / 2 ** 30) << 1) | 1, low >>> 22, (((low >>> 15) & 0x7f) << 1) | 1, (low >>> 7) & 0xff, ((low & 0x7f) << 1) | 1];
    };
    packet.set([0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10, ...field(0b0011, pts), ...field(0b0001, dts)], 12);
    return packet;
  }

  it('wraps PCR, PTS and DTS at 2^33, keeping the PCR extension and the marker bits', () => {
    const before = syntheticPacket(WRAP - 100, 299, WRAP - 50, WRAP - 60);
    expect(parse(before, 0)).toMatchObject({ pcr: { base: WRAP - 100, extension: 299 }, pts: { value: WRAP - 50 }, dts: { value: WRAP - 60 } });
    const timestamps = new LoopTimestamps({ durationTicks: 1000 });
    expect(timestamps.push(before)).toEqual(before);
    expect(timestamps.endLoop()).toEqual(new Uint8Array(0));
    const after = timestamps.push(before);
    expect(parse(after, 0)).toMatchObject({ pcr: { base: 900, extension: 299 }, pts: { value: 950 }, dts: { value: 940 } });
    expect(after).toEqual(syntheticPacket(900, 299, 950, 940).map((byte, i) => (i === 3 ? 0x36 : byte))); // counter 5 → 6
    expect(withoutClocks(after, 0)).toEqual(withoutClocks(before, 0));
  });

  it('passes bytes outside packets through unchanged, and does not glue a truncated last packet to the next loop', () => {
    const packet = syntheticPacket(90_000, 0, 180_000, 171_000);
    const garbage = new Uint8Array([1, 2, 3]);
    const truncated = packet.subarray(0, 100);
    const input = Buffer.concat([garbage, packet, truncated]);
    const timestamps = new LoopTimestamps({ durationTicks: 90_000 });
    const first = Buffer.concat([timestamps.push(input), timestamps.endLoop()]);
    expect(first.equals(input)).toBe(true);
    const second = Buffer.concat([timestamps.push(input), timestamps.endLoop()]);
    expect(second.subarray(0, 3)).toEqual(Buffer.from(garbage));
    expect(parse(second, 3)).toMatchObject({ pcr: { base: 180_000 }, pts: { value: 270_000 }, dts: { value: 261_000 } });
    expect(second.subarray(3 + TS_PACKET_BYTES).equals(truncated)).toBe(true);
  });

  it('leaves a file without timestamps as it is, but for its continuity counters', () => {
    const packet = new Uint8Array(TS_PACKET_BYTES).fill(0x11);
    packet[0] = 0x47;
    const timestamps = new LoopTimestamps();
    const out = loop(packet, 2, 50, timestamps);
    expect(timestamps.durationTicks).toBe(0);
    expect(out).toEqual(Buffer.concat([packet, packet.map((byte, i) => (i === 3 ? 0x12 : byte))])); // counter 1 → 2
  });

  it('refuses a duration that is not a 33-bit tick count', () => {
    expect(() => new LoopTimestamps({ durationTicks: -1 })).toThrow(RangeError);
    expect(() => new LoopTimestamps({ durationTicks: WRAP })).toThrow(RangeError);
    expect(() => new LoopTimestamps({ durationTicks: 0.5 })).toThrow(RangeError);
  });
});

describe('LoopDuration', () => {
  it('falls back on the PCR (span plus its smallest step) when no PES carries a PTS', () => {
    const meter = new LoopDuration();
    for (let at = 0; at < file.length; at += TS_PACKET_BYTES) {
      if (readPcr(file, at) === undefined) continue;
      const packet = Uint8Array.from(file.subarray(at, at + TS_PACKET_BYTES));
      packet[3] = (packet[3]! & 0xcf) | 0x20; // adaptation field only: no PES, no PTS
      meter.observe(packet, 0);
    }
    const pcrs = original.flatMap((p) => (p.pcr ? [p.pcr.base] : []));
    expect(meter.durationTicks()).toBe(pcrs.at(-1)! - pcrs[0]! + Math.min(...steps(pcrs)));
  });
});
