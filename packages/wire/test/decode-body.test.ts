import { isUtf8 } from 'node:buffer';
import { isDeepStrictEqual } from 'node:util';
import { Packr, Unpackr } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeChunkBody } from '../src/chunk-decode.js';
import { decodeBody, encodeBody, encodeFrame } from '../src/index.js';
import { MAX_NESTING_DEPTH } from '../src/constants.js';
import { MalformedFrameError } from '../src/errors.js';
import { ALL_SAMPLES, mutateFrame, SAMPLES, seededRandom } from '../src/testing.js';

/**
 * The reference the single-pass decoder is checked against: the rules written out
 * as plainly as possible (recursive, a table of sizes), then msgpackr itself
 * decoding whatever the rules let through.
 */
const FIXED_SIZE: Record<number, number> = { 0xc0: 0, 0xc2: 0, 0xc3: 0, 0xcc: 1, 0xd0: 1, 0xcd: 2, 0xd1: 2, 0xce: 4, 0xd2: 4, 0xca: 4, 0xcb: 8 };
const STRING_HEADER: Record<number, number> = { 0xd9: 1, 0xda: 2, 0xdb: 4 };
const BINARY_HEADER: Record<number, number> = { 0xc4: 1, 0xc5: 2, 0xc6: 4 };
const ARRAY_HEADER: Record<number, number> = { 0xdc: 2, 0xdd: 4 };
const MAP_HEADER: Record<number, number> = { 0xde: 2, 0xdf: 4 };

function followsTheRules(bytes: Uint8Array): boolean {
  let pos = 0;
  const take = (n: number) => {
    if (pos + n > bytes.length) throw new Error('past the end');
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const length = (size: number) => take(size).reduce((sum, byte) => sum * 256 + byte, 0);
  const value = (depth: number, isKey: boolean): void => {
    const head = take(1)[0]!;
    let stringLength = -1;
    if (head >= 0xa0 && head <= 0xbf) stringLength = head & 0x1f;
    else if (head in STRING_HEADER) stringLength = length(STRING_HEADER[head]!);
    if (stringLength >= 0) {
      const text = take(stringLength);
      if (!isUtf8(text)) throw new Error('not UTF-8');
      if (isKey && ['__proto__', 'constructor', 'prototype'].includes(Buffer.from(text).toString())) throw new Error('key');
      return;
    }
    if (isKey) throw new Error('key is not a string');
    if (head <= 0x7f || head >= 0xe0) return;
    if (head in FIXED_SIZE) return void take(FIXED_SIZE[head]!);
    if (head in BINARY_HEADER) return void take(length(BINARY_HEADER[head]!));
    let items = -1;
    let isMap = false;
    if (head >= 0x80 && head <= 0x8f) [items, isMap] = [head & 0x0f, true];
    else if (head >= 0x90 && head <= 0x9f) items = head & 0x0f;
    else if (head in ARRAY_HEADER) items = length(ARRAY_HEADER[head]!);
    else if (head in MAP_HEADER) [items, isMap] = [length(MAP_HEADER[head]!), true];
    else throw new Error(`type 0x${head.toString(16)} is not accepted`);
    if (items > 0 && depth >= MAX_NESTING_DEPTH) throw new Error('too deep');
    for (let i = 0; i < items; i++) {
      if (isMap) value(depth + 1, true);
      value(depth + 1, false);
    }
  };
  try {
    value(0, false);
    return pos === bytes.length;
  } catch {
    return false;
  }
}

const unpackr = new Unpackr({ useRecords: false, structuredClone: false, moreTypes: false, mapsAsObjects: true });

const outcomes = { decoded: 0, refused: 0 };

/**
 * Both decoders give the same value for `body`, or both refuse it (ours with
 * `MALFORMED`). `inPlace` chooses between binary handed out as views and copies.
 */
function expectAgreement(body: Buffer, inPlace: boolean, label: string) {
  let expected: { value: unknown } | undefined;
  if (followsTheRules(body)) expected = { value: unpackr.unpack(body) };
  let actual: { value: unknown } | { error: unknown };
  try {
    actual = { value: decodeBody(body, 0, body.length, inPlace) };
  } catch (error) {
    actual = { error };
  }
  outcomes[expected === undefined ? 'refused' : 'decoded'] += 1;
  // expect() only on a difference: tens of thousands of cases, and building its assertion for each is the slow part.
  if (expected === undefined) {
    if ('error' in actual && actual.error instanceof MalformedFrameError) return;
    expect('error' in actual, `${label}: decoded what the reference refuses`).toBe(true);
    expect((actual as { error: unknown }).error, label).toBeInstanceOf(MalformedFrameError);
  } else if (!isDeepStrictEqual(actual, expected)) {
    expect(actual, label).toStrictEqual(expected);
  }
}

/** Random values of the kinds our messages use, and now and then one they do not. */
function randomValue(random: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number) => Math.floor(random() * max);
  switch (int(depth < 5 ? 12 : 9)) {
    case 0:
      return pick([null, true, false, 0, -0, NaN, Infinity, 1.5, -1e300]);
    case 1:
      return int(2 ** (1 + int(32))) * pick([1, -1]);
    case 2:
      return int(2 ** 53); // above 2^32: msgpackr writes a float64
    case 3:
      return 'x'.repeat(int(40)) + pick(['', 'é', '€', '😀', '\ud800', 'NAME']);
    case 4:
      return pick(['t', 'id', 're', 'seq', 'have', 'peer', 'cam1', '__proto__', 'constructor', 'ab'.repeat(32)]);
    case 5:
      return Buffer.from(Array.from({ length: int(70) }, () => int(256)));
    case 6:
      return String.fromCharCode(...Array.from({ length: int(300) }, () => 0x20 + int(0x2000)));
    case 7:
      return pick([new Date(int(2 ** 40)), 2n ** 64n - 1n, -(2n ** 63n), new Set([1])]);
    case 8:
      return int(256) - 128;
    case 9:
    case 10:
      return Array.from({ length: int(4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = int(5); i > 0; i--) object[String(randomValue(random, 5))] = randomValue(random, depth + 1);
      return object;
    }
  }
}

// Writes whatever it is given, including the extensions our decoder must refuse.
const looseEncoder = new Packr({ useRecords: false, variableMapSize: true });

// Tens of thousands of decodes each: about 2 s alone, over 4 s on a loaded two-core machine.
describe('decodeBody against msgpackr', { timeout: 30_000 }, () => {
  afterAll(() => {
    // The inputs must exercise both sides: values to compare and refusals.
    expect(outcomes.decoded).toBeGreaterThan(10_000);
    expect(outcomes.refused).toBeGreaterThan(10_000);
  });

  it('agrees on every sample message, each body mutated 1,000 times', () => {
    const random = seededRandom(7);
    const frames = ALL_SAMPLES.map((message) =>
      Buffer.concat([Buffer.alloc(4), encodeBody(message.t === 'chunk' ? { ...message, data: Buffer.alloc(300, 1) } : message)]),
    );
    for (const [i, frame] of frames.entries()) {
      expectAgreement(frame.subarray(4), false, `sample ${i}`);
      expectAgreement(frame.subarray(4), true, `sample ${i}, in place`);
    }
    for (let i = 0; i < 19_000; i++) {
      const mutated = Buffer.from(mutateFrame(frames, random));
      expectAgreement(mutated.subarray(Math.min(4, mutated.length)), i % 2 === 0, `mutation ${i}`);
    }
  });

  it('agrees on chunk bodies as encodeFrame writes them (the fast path), each mutated 1,000 times', () => {
    const random = seededRandom(5);
    const frames = [0, 0x80, 0x1_0000, 2 ** 40, -1].map((value) =>
      encodeFrame({ ...SAMPLES.chunk, re: value, seq: value, ts: value, data: Buffer.alloc(300, 1) }),
    );
    for (const [i, frame] of frames.entries()) {
      expect(decodeChunkBody(frame, 4, frame.length, false), `chunk ${i} takes the fast path`).toBeDefined();
      expectAgreement(frame.subarray(4), false, `chunk ${i}`);
      expectAgreement(frame.subarray(4), true, `chunk ${i}, in place`);
    }
    for (let i = 0; i < 5_000; i++) {
      const mutated = Buffer.from(mutateFrame(frames, random));
      expectAgreement(mutated.subarray(Math.min(4, mutated.length)), i % 2 === 0, `chunk mutation ${i}`);
    }
  });

  it('agrees on a chunk body with every value at every byte of its header', () => {
    const frame = encodeFrame({ ...SAMPLES.chunk, re: 0x80, ts: 2 ** 40, data: Buffer.alloc(40, 1) });
    const body = frame.subarray(4);
    const headerBytes = body.length - 40;
    for (let at = 0; at < headerBytes; at++) {
      for (let byte = 0; byte < 256; byte++) {
        const changed = Buffer.from(body);
        changed[at] = byte;
        expectAgreement(changed, byte % 2 === 0, `byte ${at} set to 0x${byte.toString(16)}`);
      }
    }
  });

  it('agrees on 20,000 seeded random values and their mutations', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 20_000; i++) {
      let body: Buffer;
      try {
        body = looseEncoder.pack(randomValue(random, 0));
      } catch {
        continue; // a value msgpackr will not write (e.g. a Set with these options)
      }
      expectAgreement(body, i % 2 === 0, `value ${i}`);
      const mutated = Buffer.from(mutateFrame([Buffer.concat([Buffer.alloc(4), body])], random));
      expectAgreement(mutated.subarray(Math.min(4, mutated.length)), i % 2 === 1, `mutated value ${i}`);
    }
  });

  it('agrees on 20,000 seeded random byte strings', () => {
    const random = seededRandom(13);
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 24) }, () => Math.floor(random() * 256)));
      expectAgreement(bytes, false, `bytes ${bytes.toString('hex')}`);
    }
  });
});

describe('decodeBody', () => {
  const decode = (bytes: number[]) => decodeBody(Buffer.from(bytes));

  it('copies the binary of a small body, and hands out views of a large one or of one decoded in place', () => {
    const small = Buffer.from([0x81, 0xa1, 0x62, 0xc4, 0x02, 0x01, 0x02]);
    const large = Buffer.concat([Buffer.from([0x81, 0xa1, 0x62, 0xc5, 0x08, 0x00]), Buffer.alloc(2048, 3)]);
    const copied = decodeBody(small) as { b: Buffer };
    expect(copied.b.buffer).not.toBe(small.buffer);
    expect([...copied.b]).toEqual([1, 2]);
    expect((decodeBody(small, 0, small.length, true) as { b: Buffer }).b.buffer).toBe(small.buffer);
    expect((decodeBody(large) as { b: Buffer }).b.buffer).toBe(large.buffer);
  });

  it('decodes a value in the middle of a larger buffer', () => {
    const bytes = Buffer.from([0xff, 0xff, 0x92, 0x01, 0xa1, 0x78, 0xff]);
    expect(decodeBody(bytes, 2, 6)).toEqual([1, 'x']);
    expect(() => decodeBody(bytes, 2, 7)).toThrow(MalformedFrameError);
  });

  it(`accepts ${MAX_NESTING_DEPTH} levels of containers, and empty ones below them, but not one level more`, () => {
    expect(decode([0x91, 0x91, 0x91, 0x90])).toEqual([[[[]]]]);
    expect(decode([0x91, 0x91, 0x91, 0x80])).toEqual([[[{}]]]);
    expect(() => decode([0x91, 0x91, 0x91, 0x91, 0x01])).toThrow(/nesting deeper/);
  });

  it('refuses a forbidden key even after the same string was decoded as a value', () => {
    // ['__proto__', {'__proto__': 1}]: the value must not let the key through a cache.
    const proto = [0xa9, ...Buffer.from('__proto__')];
    expect(decode([0x91, ...proto])).toEqual(['__proto__']);
    expect(() => decode([0x92, ...proto, 0x81, ...proto, 0x01])).toThrow(/forbidden map key/);
  });

  it('tells apart short strings that share their first, middle and last bytes', () => {
    expect(decode([0x92, 0xa3, 0x61, 0x62, 0x63, 0xa3, 0x61, 0x62, 0x63])).toEqual(['abc', 'abc']);
    expect(decode([0x93, 0xa4, 0x61, 0x78, 0x62, 0x63, 0xa4, 0x61, 0x79, 0x62, 0x63, 0xa4, 0x61, 0x78, 0x62, 0x63])).toEqual([
      'axbc',
      'aybc',
      'axbc',
    ]);
  });

  it.each([
    ['float32', [0xca, 0x3f, 0xc0, 0x00, 0x00], 1.5],
    ['float64', [0xcb, 0x42, 0x76, 0x74, 0x1f, 0x78, 0x60, 0x08, 0x00], 1_543_000_000_000.5],
    ['uint32', [0xce, 0xff, 0xff, 0xff, 0xff], 2 ** 32 - 1],
    ['int32', [0xd2, 0x80, 0x00, 0x00, 0x00], -(2 ** 31)],
    ['int16', [0xd1, 0xff, 0xfe], -2],
    ['int8', [0xd0, 0x80], -128],
    ['negative fixint', [0xe0], -32],
  ])('reads %s', (_, bytes, value) => {
    expect(decode(bytes)).toBe(value);
  });
});
