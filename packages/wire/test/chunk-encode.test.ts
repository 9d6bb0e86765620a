import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeFrameParts, type ChunkMessage } from '../src/index.js';
import { SAMPLES } from '../src/testing.js';
import { decodeAll } from './helpers.js';

// The chunk header is written by hand, not by msgpackr: these check that what it
// writes is msgpack any reader takes, and that it carries every value as given.

const chunk = (fields: Partial<ChunkMessage>): ChunkMessage => ({ ...SAMPLES.chunk, data: Buffer.alloc(300, 3), ...fields });

/** Integers at each width's edge, where the encoding changes size. */
const EDGES = [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER];

describe('chunk frame encoding', () => {
  it('writes a body that msgpackr itself reads back to the same message', () => {
    const message = chunk({ re: 70_000, seq: 300, ts: 1_764_000_050_000 });
    const frame = encodeFrame(message);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const body = unpack(frame.subarray(4)) as ChunkMessage;
    expect({ ...body, sig: Buffer.from(body.sig), data: Buffer.from(body.data) }).toEqual({
      ...message,
      sig: Buffer.from(message.sig),
    });
  });

  it.each(EDGES)('carries %d exactly in re, seq and ts', (value) => {
    const message = chunk({ re: value, seq: value, ts: value });
    const { messages, error } = decodeAll([encodeFrame(message)]);
    expect(error).toBeUndefined();
    const [decoded] = messages as ChunkMessage[];
    expect([decoded?.re, decoded?.seq, decoded?.ts]).toEqual([value, value, value]);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('sends seq %d as it is, for the receiver to refuse', (seq) => {
    expect(decodeAll([encodeFrame(chunk({ seq }))]).error?.code).toBe('INVALID_FIELD');
  });

  it('sends a signature of the wrong length as it is, for the receiver to refuse', () => {
    for (const length of [0, 63, 65, 300, 70_000]) {
      expect(decodeAll([encodeFrame(chunk({ sig: Buffer.alloc(length, 1) }))]).error?.code, `${length} bytes`).toBe('INVALID_FIELD');
    }
  });

  it('refuses a field that is not a number when encoding, naming it', () => {
    const message = { ...chunk({}), ts: '12' } as unknown as ChunkMessage;
    expect(() => encodeFrameParts(message)).toThrow(/chunk\.ts must be a number/);
  });

  it('carries an empty payload and one given as a plain Uint8Array', () => {
    const empty = decodeAll([encodeFrame(chunk({ data: new Uint8Array(0) }))]).messages[0] as ChunkMessage;
    expect(empty.data.length).toBe(0);
    const bytes = new Uint8Array(new ArrayBuffer(1000), 100, 500).fill(9);
    const parts = encodeFrameParts(chunk({ data: bytes }));
    expect(parts[1]!.buffer).toBe(bytes.buffer);
    const decoded = decodeAll([Buffer.concat(parts)]).messages[0] as ChunkMessage;
    expect(Buffer.from(decoded.data).equals(Buffer.from(bytes))).toBe(true);
  });
});
