import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  assertSupportedVersion,
  DEFAULT_MAX_CONTROL_BYTES,
  encodeFrame,
  FrameDecoder,
  hello,
  MAX_SIGNAL_BYTES,
  type DecodeErrorCode,
} from '../src/index.js';
import { decodeAll, rawFrame } from './helpers.js';
import { SAMPLES } from '../src/testing.js';

// A plain encoder for building bodies our own encoder's types would not allow.
const looseEncoder = new Packr({ useRecords: false, variableMapSize: true });
const frameOf = (body: unknown): Buffer => rawFrame(looseEncoder.pack(body));

function expectRefusal(pieces: Uint8Array[], code: DecodeErrorCode, options?: ConstructorParameters<typeof FrameDecoder>[0]) {
  const { messages, error } = decodeAll(pieces, options);
  expect(messages).toEqual([]);
  expect(error?.code, error?.message).toBe(code);
  return error!;
}

const prefix = (length: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length >>> 0, 0);
  return bytes;
};

// A map {t: 'have', seq: <value bytes>} written by hand: 82 a1 't' a4 'have' a3 'seq' <value>
const haveWith = (valueBytes: number[]) => rawFrame([0x82, 0xa1, 0x74, 0xa4, 0x68, 0x61, 0x76, 0x65, 0xa3, 0x73, 0x65, 0x71, ...valueBytes]);

describe('length prefix', () => {
  const decoder = new FrameDecoder();

  it('refuses a zero-length frame', () => {
    expectRefusal([prefix(0)], 'MALFORMED');
  });

  it.each([
    ['the limit + 1', decoder.maxFrameBytes + 1],
    ['0xFFFFFFFF', 0xffffffff],
    ['0x80000000', 0x80000000],
  ])('refuses a length of %s from the prefix alone, buffering nothing', (_, length) => {
    const fresh = new FrameDecoder();
    expect(() => [...fresh.push(prefix(length))]).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
    expect(fresh.bufferedBytes).toBe(0);
  });

  it('refuses a control message over the control limit even when a chunk of that size would pass', () => {
    const message = { t: 'error', code: 'X', message: 'y'.repeat(900) } as const;
    expectRefusal([encodeFrame(message)], 'FRAME_TOO_LARGE', { maxControlBytes: 512, maxChunkBytes: 4096 });
  });

  it('refuses every chunk when the decoder accepts none', () => {
    expectRefusal([encodeFrame({ ...SAMPLES.chunk, data: new Uint8Array(10) })], 'INVALID_FIELD', { maxChunkBytes: 0 });
  });

  it('refuses a chunk payload over the configured chunk size', () => {
    expectRefusal([encodeFrame({ ...SAMPLES.chunk, data: new Uint8Array(1100) })], 'INVALID_FIELD', { maxChunkBytes: 1000 });
  });

  it('uses a 1 MiB control limit by default', () => {
    expect(decoder.maxControlBytes).toBe(DEFAULT_MAX_CONTROL_BYTES);
    expect(DEFAULT_MAX_CONTROL_BYTES).toBe(1024 * 1024);
  });
});

describe('framing', () => {
  it('refuses a frame cut off by the end of input', () => {
    const frame = encodeFrame(SAMPLES.peers);
    expectRefusal([frame.subarray(0, frame.length - 3)], 'TRUNCATED');
  });

  it('refuses a length prefix cut off by the end of input', () => {
    expectRefusal([Buffer.from([0, 0])], 'TRUNCATED');
  });

  it('refuses trailing bytes after the msgpack value', () => {
    const body = looseEncoder.pack({ t: 'have', seq: 1 });
    expectRefusal([rawFrame([...body, 0xc0])], 'MALFORMED');
  });

  it('delivers the good frames before a bad one, then refuses everything after', () => {
    const decoder = new FrameDecoder();
    const seen: string[] = [];
    const stream = Buffer.concat([encodeFrame(SAMPLES.have), encodeFrame(SAMPLES.cancel), prefix(0)]);
    expect(() => {
      for (const message of decoder.push(stream)) seen.push(message.t);
    }).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(seen).toEqual(['have', 'cancel']);
    expect(() => [...decoder.push(encodeFrame(SAMPLES.have))]).toThrow(expect.objectContaining({ code: 'DECODER_CLOSED' }));
  });
});

describe('hostile msgpack', () => {
  it.each([
    ['array32 of 4G items', [0xdd, 0xff, 0xff, 0xff, 0xff]],
    ['bin32 of 4 GB', [0x81, 0xa1, 0x74, 0xc6, 0xff, 0xff, 0xff, 0xff]],
    ['str32 of 4 GB', [0x81, 0xa1, 0x74, 0xdb, 0xff, 0xff, 0xff, 0xff]],
    ['map32 of 4G entries', [0xdf, 0xff, 0xff, 0xff, 0xff]],
  ])('refuses a length header larger than the frame (%s) without allocating', (_, body) => {
    expectRefusal([rawFrame(body)], 'MALFORMED');
  });

  it('refuses array16 headers repeated to fill a 1 MiB frame', () => {
    const body = Buffer.alloc(DEFAULT_MAX_CONTROL_BYTES - 1);
    for (let i = 0; i + 2 < body.length; i += 3) body.set([0xdc, 0xff, 0xff], i);
    expectRefusal([rawFrame(body)], 'MALFORMED');
  });

  it('refuses 100,000 nested one-element arrays without recursing', () => {
    expectRefusal([rawFrame(Buffer.alloc(100_000, 0x91))], 'MALFORMED');
  });

  it.each([0x72, 0x70, 0x78, 0x42, 0x62, 0xff, 0x00, 0x01])('refuses extension type 0x%s', (type) => {
    expectRefusal([haveWith([0xd4, type, 0x00])], 'MALFORMED');
    expectRefusal([haveWith([0xc7, 0x01, type, 0x00])], 'MALFORMED');
  });

  it('refuses a record definition at the top level', () => {
    expectRefusal([rawFrame([0xd4, 0x72, 0x40, 0x92, 0xa1, 0x74, 0xa3, 0x73, 0x65, 0x71])], 'MALFORMED');
  });

  it.each([
    ['uint64', [0xcf, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['int64', [0xd3, 0, 0, 0, 0, 0, 0, 0, 1]],
  ])('refuses %s integers', (_, value) => {
    expectRefusal([haveWith(value)], 'MALFORMED');
  });

  it('refuses strings that are not valid UTF-8', () => {
    // {t: 'lookup', id: 1, name: <ff fe>, count: 1}
    const body = [0x84, 0xa1, 0x74, 0xa6, ...Buffer.from('lookup'), 0xa2, 0x69, 0x64, 0x01, 0xa4, ...Buffer.from('name'), 0xa2, 0xff, 0xfe, 0xa5, ...Buffer.from('count'), 0x01];
    expectRefusal([rawFrame(body)], 'MALFORMED');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key', (key) => {
    const body = [0x83, 0xa1, 0x74, 0xa4, ...Buffer.from('have'), 0xa3, ...Buffer.from('seq'), 0x01, 0xa0 + key.length, ...Buffer.from(key), 0x80];
    expectRefusal([rawFrame(body)], 'MALFORMED');
  });

  it('refuses map keys that are not strings', () => {
    expectRefusal([rawFrame([0x82, 0xa1, 0x74, 0xa4, ...Buffer.from('have'), 0x01, 0x01])], 'MALFORMED');
  });
});

describe('message validation', () => {
  it.each([
    ['-1', -1],
    ['2^53', 2 ** 53],
    ['NaN', Number.NaN],
    ['a float', 1.5],
    ['a string', '5'],
    ['null', null],
    ['true', true],
  ])('refuses seq of %s', (_, seq) => {
    expectRefusal([frameOf({ t: 'have', seq })], 'INVALID_FIELD');
  });

  it.each([
    ['"../"', '../etc'],
    ['a NUL', 'cam\u00001'],
    ['10 KB', 'a'.repeat(10_000)],
    ['empty', ''],
    ['a slash', 'a/b'],
  ])('refuses a stream name with %s', (_, name) => {
    expectRefusal([frameOf({ t: 'lookup', id: 1, name, count: 5 })], 'INVALID_FIELD');
  });

  it('refuses an unknown type', () => {
    expectRefusal([frameOf({ t: 'gimme', id: 1 })], 'UNKNOWN_TYPE');
  });

  it('refuses a body that is not a map, or has no type', () => {
    expectRefusal([frameOf([1, 2, 3])], 'INVALID_FIELD');
    expectRefusal([frameOf({ seq: 1 })], 'INVALID_FIELD');
    expectRefusal([frameOf({ t: 7 })], 'INVALID_FIELD');
  });

  it('refuses missing and unexpected fields', () => {
    expectRefusal([frameOf({ t: 'request', id: 1 })], 'INVALID_FIELD');
    expectRefusal([frameOf({ t: 'have', seq: 1, extra: 0 })], 'INVALID_FIELD');
  });

  it('refuses out-of-range ports, counts and sizes', () => {
    const announce = { ...SAMPLES.announce };
    for (const port of [0, 65536, -1]) expectRefusal([frameOf({ ...announce, port })], 'INVALID_FIELD');
    for (const count of [1e9, -5, 0]) expectRefusal([frameOf({ ...SAMPLES.lookup, count })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.publish, key: new Uint8Array(31) })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.publish, sig: 'not binary' })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...announce, ts: 1, sig: new Uint8Array(63) })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...announce, end: new Uint8Array(65) })], 'INVALID_FIELD');
  });

  it('refuses a signaling payload that is empty, too large, text, or aimed at a host that is not an IP address', () => {
    expectRefusal([frameOf({ ...SAMPLES.signal, data: new Uint8Array(0) })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.signal, data: new Uint8Array(MAX_SIGNAL_BYTES + 1) })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.signaled, data: '{"type":"offer"}' })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.signal, host: 'evil.example' })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.announce, signals: 1 })], 'INVALID_FIELD');
  });

  it('refuses a QoE report with a fraction, a negative or textual count, or a missing total', () => {
    expectRefusal([frameOf({ ...SAMPLES.report, played: 0.99 })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.report, skipped: -1 })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.report, lag: '3 s' })], 'INVALID_FIELD');
    const { fromPeers: _left, ...withoutFromPeers } = SAMPLES.report;
    expectRefusal([frameOf(withoutFromPeers)], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.report, continuity: 1 })], 'INVALID_FIELD');
  });

  it("refuses a watch page URL that is not http(s), holds a space or control character, or is too long", () => {
    for (const watch of ['javascript:alert(1)', 'http://host/a b', 'http://host/\n', `http://host/${'a'.repeat(512)}`]) {
      expectRefusal([frameOf({ ...SAMPLES.published, watch })], 'INVALID_FIELD');
    }
    expectRefusal([frameOf({ ...SAMPLES.publish, pages: 'yes' })], 'INVALID_FIELD');
  });

  it('refuses a peer entry whose host is not an IP address', () => {
    const peers = [{ host: 'evil.example', port: 2050, edge: 0 }];
    expectRefusal([frameOf({ ...SAMPLES.peers, peers })], 'INVALID_FIELD');
  });

  it('refuses a stream id that is not 64 lowercase hex digits', () => {
    expectRefusal([frameOf({ ...SAMPLES.join, stream: 'AB'.repeat(32) })], 'INVALID_FIELD');
  });
});

describe('protocol version', () => {
  it('accepts our own hello and refuses another major version', () => {
    expect(() => assertSupportedVersion(hello('peer'))).not.toThrow();
    for (const v of [1, 3]) {
      expect(() => assertSupportedVersion({ t: 'hello', v, role: 'peer' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    }
  });

  it('speaks version 2, whose publish, peers and map carry the publish session', () => {
    expect(hello('peer').v).toBe(2);
    expectRefusal([frameOf({ ...SAMPLES.map, session: new Uint8Array(7) })], 'INVALID_FIELD');
    const { session: _omitted, ...sessionless } = SAMPLES.publish;
    expectRefusal([frameOf(sessionless)], 'INVALID_FIELD');
  });
});

describe("map's port (symmetric connections)", () => {
  it("carries the answering peer's listening port when given, and refuses a port outside 1–65535", () => {
    const withPort = { ...SAMPLES.map, port: 2050 };
    expect(decodeAll([encodeFrame(withPort)]).messages).toEqual([withPort]);
    expectRefusal([frameOf({ ...SAMPLES.map, port: 0 })], 'INVALID_FIELD');
    expectRefusal([frameOf({ ...SAMPLES.map, port: 65_536 })], 'INVALID_FIELD');
  });
});
