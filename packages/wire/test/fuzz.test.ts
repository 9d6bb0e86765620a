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
