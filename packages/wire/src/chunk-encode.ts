import { FRAME_HEADER_BYTES } from './constants.js';
import type { ChunkMessage } from './messages.js';

// A chunk's fields are fixed, so its header is written by hand: through msgpackr,
// copying the message without `data` and packing it cost more than the whole
// decode of the frame at the other end.

/** The fixed bytes of a chunk body, in order; the values go between them. */
export const CHUNK_LAYOUT = {
  /** A fixmap of six entries. */
  map: Uint8Array.of(0x86),
  /** "t": "chunk" */
  t: Uint8Array.of(0xa1, 0x74, 0xa5, 0x63, 0x68, 0x75, 0x6e, 0x6b),
  re: Uint8Array.of(0xa2, 0x72, 0x65),
  seq: Uint8Array.of(0xa3, 0x73, 0x65, 0x71),
  ts: Uint8Array.of(0xa2, 0x74, 0x73),
  sig: Uint8Array.of(0xa3, 0x73, 0x69, 0x67),
  data: Uint8Array.of(0xa4, 0x64, 0x61, 0x74, 0x61),
} as const;
const { map: MAP_OF_SIX, t: T_CHUNK, re: KEY_RE, seq: KEY_SEQ, ts: KEY_TS, sig: KEY_SIG, data: KEY_DATA } = CHUNK_LAYOUT;
/** The payload's header is always a bin32, so its size does not depend on the payload's. */
const BIN32_HEADER_BYTES = 5;
const FIXED_HEAD_BYTES =
  FRAME_HEADER_BYTES +
  MAP_OF_SIX.length +
  T_CHUNK.length +
  KEY_RE.length +
  KEY_SEQ.length +
  KEY_TS.length +
  KEY_SIG.length +
  KEY_DATA.length +
  BIN32_HEADER_BYTES;

/**
 * A chunk frame as two parts: the length prefix with every field but the
 * payload, then the payload itself as given (never copied). The body is one
 * msgpack map, the payload its last value, so the parts written back to back
 * are exactly one frame.
 */
export function encodeChunkParts(message: ChunkMessage): [Buffer, Buffer] {
  const { re, seq, ts, sig, data } = message;
  assertNumber(re, 're');
  assertNumber(seq, 'seq');
  assertNumber(ts, 'ts');
  const headBytes =
    FIXED_HEAD_BYTES + numberBytes(re) + numberBytes(seq) + numberBytes(ts) + sizedBytes(sig.length) + sig.length;
  // Sized exactly: a small allocation comes from Node's pool, and no subarray is needed.
  const head = Buffer.allocUnsafe(headBytes);
  let offset = FRAME_HEADER_BYTES;
  offset = writeBytes(head, offset, MAP_OF_SIX);
  offset = writeBytes(head, offset, T_CHUNK);
  offset = writeBytes(head, offset, KEY_RE);
  offset = writeNumber(head, offset, re);
  offset = writeBytes(head, offset, KEY_SEQ);
  offset = writeNumber(head, offset, seq);
  offset = writeBytes(head, offset, KEY_TS);
  offset = writeNumber(head, offset, ts);
  offset = writeBytes(head, offset, KEY_SIG);
  offset = writeBinHeader(head, offset, sig.length);
  head.set(sig, offset);
  offset += sig.length;
  offset = writeBytes(head, offset, KEY_DATA);
  head[offset] = 0xc6;
  head.writeUInt32BE(data.length, offset + 1);
  head.writeUInt32BE(headBytes - FRAME_HEADER_BYTES + data.length, 0);
  const payload = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return [head, payload];
}

/** A byte loop: for a few bytes it beats `Buffer.copy`'s call into C++. */
function writeBytes(out: Buffer, offset: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i]!;
  return offset + bytes.length;
}

/** The 8-, 16- and 32-bit tags of an unsigned integer and of a bin header. */
const UINT_TAGS = [0xcc, 0xcd, 0xce] as const;
const BIN_TAGS = [0xc4, 0xc5, 0xc6] as const;

const isUint32 = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;

/**
 * Writes `value` as the smallest msgpack unsigned integer that holds it, or as
 * a float64 when it is not one (a timestamp past 2^32, or a bad value the
 * receiver's validation will name).
 */
function writeNumber(out: Buffer, offset: number, value: number): number {
  if (isUint32(value)) {
    if (value > 0x7f) return writeSized(out, offset, value, UINT_TAGS);
    out[offset] = value; // positive fixint
    return offset + 1;
  }
  out[offset] = 0xcb;
  out.writeDoubleBE(value, offset + 1);
  return offset + 9;
}

function numberBytes(value: number): number {
  if (!isUint32(value)) return 9;
  return value <= 0x7f ? 1 : sizedBytes(value);
}

function writeBinHeader(out: Buffer, offset: number, length: number): number {
  return writeSized(out, offset, length, BIN_TAGS);
}

/** `value` (at most 32 bits) behind the tag of the smallest width that holds it. */
function writeSized(out: Buffer, offset: number, value: number, tags: readonly [number, number, number]): number {
  const bytes = sizedBytes(value);
  out[offset] = tags[bytes === 2 ? 0 : bytes === 3 ? 1 : 2];
  if (bytes === 2) out[offset + 1] = value;
  else if (bytes === 3) out.writeUInt16BE(value, offset + 1);
  else out.writeUInt32BE(value, offset + 1);
  return offset + bytes;
}

/** Bytes of a tag and a value of at most 32 bits in the smallest width that holds it. */
function sizedBytes(value: number): number {
  return value <= 0xff ? 2 : value <= 0xffff ? 3 : 5;
}

function assertNumber(value: unknown, field: string): void {
  if (typeof value !== 'number') throw new TypeError(`chunk.${field} must be a number, got ${typeof value}`);
}
