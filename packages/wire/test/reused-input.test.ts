import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Message } from '../src/index.js';
import { ALL_SAMPLES, SAMPLES } from '../src/testing.js';
import { CopiedPendingFrame } from '../src/pending-frame.js';

/**
 * A socket reading into one buffer: each piece is copied into the same scratch bytes, pushed,
 * and the scratch is scribbled over before the next, as the next read would.
 */
function decodeThroughOneBuffer(stream: Buffer, cuts: number[], decoder: FrameDecoder): Message[] {
  const scratch = Buffer.alloc(stream.length);
  const messages: Message[] = [];
  let from = 0;
  for (const to of [...cuts, stream.length]) {
    const piece = scratch.subarray(0, to - from);
    stream.copy(piece, 0, from, to);
    for (const message of decoder.push(piece)) messages.push(message);
    scratch.fill(0xee);
    from = to;
  }
  decoder.end();
  return messages;
}

describe('FrameDecoder over reused input (takeBuffer)', () => {
  const stream = Buffer.concat(ALL_SAMPLES.map(encodeFrame));

  it('keeps every message intact after the bytes it came in are overwritten, however the reads are cut', () => {
    for (const step of [1, 7, 64, 1000, stream.length]) {
      const cuts = Array.from({ length: Math.ceil(stream.length / step) - 1 }, (_, i) => (i + 1) * step);
      const decoder = new FrameDecoder({ takeBuffer: (length) => Buffer.alloc(length) });
      expect(decodeThroughOneBuffer(stream, cuts, decoder), `reads of ${step} bytes`).toEqual(ALL_SAMPLES);
    }
  });

  it("puts each chunk's payload at the start of a buffer it took, whole frame in one read or not", () => {
    const chunk = { ...SAMPLES.chunk, data: Buffer.alloc(70_000, 0x5a) };
    const frames = Buffer.concat([encodeFrame(chunk), encodeFrame(chunk)]);
    const taken: Uint8Array[] = [];
    const decoder = new FrameDecoder({ takeBuffer: (length) => (taken[taken.length] = Buffer.alloc(length + 10)) });
    // The first frame arrives whole; the second is cut in three.
    const first = frames.length / 2;
    const messages = decodeThroughOneBuffer(frames, [first, first + 5, first + 40_000], decoder);
    expect(messages).toEqual([chunk, chunk]);
    expect(taken).toHaveLength(2);
    messages.forEach((message, i) => {
      const { data } = message as typeof chunk;
      expect(data.buffer).toBe(taken[i]!.buffer);
      expect(data.byteOffset).toBe(taken[i]!.byteOffset);
    });
  });
});

describe('CopiedPendingFrame', () => {
  it('grows only as bytes arrive (doubling from 16 KiB, or to what one piece needs), never past its maximum, and keeps its buffer for the next frame', () => {
    const pending = new CopiedPendingFrame(100_000);
    pending.add(new Uint8Array(10).fill(1));
    const first = pending.bytes();
    expect(first.buffer.byteLength).toBe(16 * 1024);
    pending.add(new Uint8Array(20_000).fill(2));
    expect(pending.bytes().buffer.byteLength).toBe(32 * 1024);
    pending.add(new Uint8Array(60_000).fill(3));
    expect(pending.bytes().buffer.byteLength).toBe(80_010);
    pending.add(new Uint8Array(10_000).fill(5));
    expect(pending.bytes().buffer.byteLength).toBe(100_000);
    expect(pending.length).toBe(90_010);
    expect([pending.bytes()[0], pending.bytes()[10], pending.bytes()[20_010], pending.bytes()[90_009]]).toEqual([1, 2, 3, 5]);
    const grown = pending.bytes().buffer;
    pending.clear();
    pending.add(new Uint8Array(5).fill(4));
    expect(pending.bytes().buffer).toBe(grown);
    expect([...pending.bytes()]).toEqual([4, 4, 4, 4, 4]);
  });
});
