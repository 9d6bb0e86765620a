import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Message } from '../src/index.js';
import { ALL_SAMPLES, SAMPLES } from '../src/testing.js';

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
