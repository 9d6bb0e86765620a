import { describe, expect, it } from 'vitest';
import { encodeFrame, validateMessage, WireError } from '../src/index.js';
import { decodeAll } from './helpers.js';
import { ALL_SAMPLES, mutateFrame, seededRandom } from '../src/testing.js';

const KNOWN_CODES = new Set(['FRAME_TOO_LARGE', 'MALFORMED', 'TRUNCATED', 'UNKNOWN_TYPE', 'INVALID_FIELD']);
const frames = ALL_SAMPLES.map((message) =>
  encodeFrame(message.t === 'chunk' ? { ...message, data: new Uint8Array(300).fill(1) } : message),
);

describe('mutation fuzz', () => {
  it('either decodes valid messages or raises a typed error, for 10,000 seeded mutations', () => {
    const seed = 20261125;
    const random = seededRandom(seed);
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      const input = mutateFrame(frames, random);
      const cut = Math.floor(random() * (input.length + 1));
      const { messages, error } = decodeAll([input.subarray(0, cut), input.subarray(cut)]);
      for (const message of messages) {
        expect(() => validateMessage(message, { maxChunkBytes: 1024 * 1024 }), `seed ${seed} case ${i}`).not.toThrow();
      }
      if (error) {
        refused += 1;
        expect(error, `seed ${seed} case ${i}`).toBeInstanceOf(WireError);
        expect(KNOWN_CODES.has(error.code), `seed ${seed} case ${i}: ${error.code}`).toBe(true);
      }
    }
    // The mutations must actually exercise the refusal paths.
    expect(refused).toBeGreaterThan(5_000);
  });
});

/** Each piece copied into one scratch buffer as it is pushed, over what the one before left there: a socket reading into one buffer. */
function* throughOneBuffer(pieces: Uint8Array[]): Generator<Uint8Array> {
  const scratch = Buffer.alloc(pieces.reduce((sum, piece) => sum + piece.length, 0));
  for (const piece of pieces) {
    scratch.fill(0xee);
    scratch.set(piece);
    yield scratch.subarray(0, piece.length);
  }
}

describe('mutation fuzz over reused input (takeBuffer)', () => {
  it('gives the same messages and the same refusal as without it, for 5,000 seeded mutations cut in three', () => {
    const seed = 20261208;
    const random = seededRandom(seed);
    const takeBuffer = (length: number) => Buffer.alloc(length + 7);
    for (let i = 0; i < 5_000; i++) {
      const input = mutateFrame(frames, random);
      const cuts = [random(), random()].map((at) => Math.floor(at * (input.length + 1))).sort((a, b) => a - b);
      const pieces = [input.subarray(0, cuts[0]), input.subarray(cuts[0], cuts[1]), input.subarray(cuts[1])];
      const plain = decodeAll(pieces);
      const reused = decodeAll(throughOneBuffer(pieces), { takeBuffer });
      expect(reused.messages, `seed ${seed} case ${i}`).toEqual(plain.messages);
      expect(reused.error?.code, `seed ${seed} case ${i}`).toBe(plain.error?.code);
    }
  });
});
