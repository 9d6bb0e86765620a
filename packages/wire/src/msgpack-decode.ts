import { isUtf8 } from 'node:buffer';
import { MAX_NESTING_DEPTH } from './constants.js';
import { MalformedFrameError } from './errors.js';

/** Map keys that could reach an object's prototype if a consumer copied them naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const latin1Slice = Buffer.prototype.latin1Slice;
const utf8Slice = Buffer.prototype.utf8Slice;
const copySlice = Uint8Array.prototype.slice;

// The decode in progress. Decodes are synchronous and never interleave, so one set
// of module state serves them all, as in msgpackr; `src` is let go after each one.
const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let pos = 0;
let start = 0;
let end = 0;
let copyBinary = false;

// Floats are read through a DataView of our own scratch bytes: a DataView over
// each source buffer would cost more than the whole decode of a small message.
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/**
 * Short ASCII strings seen before, by a hash of their bytes. Keys and type names
 * repeat in every message; handing back the same (internalized) string skips
 * building a new one and makes the property store that follows a fast one.
 * Bounded: at most `STRING_CACHE_SIZE` strings of at most `MAX_CACHED_LENGTH` bytes.
 */
const STRING_CACHE_BITS = 12;
const STRING_CACHE_SIZE = 1 << STRING_CACHE_BITS;
const MAX_CACHED_LENGTH = 16;
const stringCache: string[] = new Array<string>(STRING_CACHE_SIZE).fill('');

/**
 * Decodes the one msgpack value filling `bytes[from, to)` in a single pass. It
 * accepts only what our messages use: nil, booleans, integers up to 32 bits,
 * floats, UTF-8 strings, binary, arrays, and maps with string keys (as plain
 * objects); at most `MAX_NESTING_DEPTH` containers deep, so its recursion is
 * bounded by that. Anything else — extensions (records, Date, BigInt, Map, Set,
 * RegExp, Error and the rest all travel as extensions), 64-bit integers, the
 * keys `__proto__` / `constructor` / `prototype`, a length or count beyond the
 * bytes left, trailing bytes — throws a `MalformedFrameError` saying what it
 * found, before anything is allocated for what the bytes claim.
 *
 * Binary values are views into `bytes`, or copies when `copy` is set.
 */
export function decodeMsgpack(bytes: Uint8Array, from: number, to: number, copy: boolean): unknown {
  src = bytes;
  pos = start = from;
  end = to;
  copyBinary = copy;
  try {
    const value = readValue(0);
    if (pos !== end) throw new MalformedFrameError(`${end - pos} trailing bytes after the msgpack value`);
    return value;
  } finally {
    src = EMPTY;
  }
}

function readValue(depth: number): unknown {
  if (pos >= end) throw new MalformedFrameError(`msgpack value ends early at byte ${pos - start} of ${end - start}`);
  const head = src[pos]!;
  pos += 1;
  if (head <= 0x7f) return head; // positive fixint
  if (head >= 0xe0) return head - 0x100; // negative fixint
  if (head <= 0x8f) return readMap(head & 0x0f, depth);
  if (head <= 0x9f) return readArray(head & 0x0f, depth);
  if (head <= 0xbf) return readString(head & 0x1f, false);
  switch (head) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcc: // uint8
      need(1);
      return src[pos++]!;
    case 0xcd: // uint16
      need(2);
      pos += 2;
      return (src[pos - 2]! << 8) | src[pos - 1]!;
    case 0xce: // uint32
      need(4);
      pos += 4;
      return readUint32(pos - 4);
    case 0xd0: // int8
      need(1);
      return (src[pos++]! << 24) >> 24;
    case 0xd1: // int16
      need(2);
      pos += 2;
      return (((src[pos - 2]! << 8) | src[pos - 1]!) << 16) >> 16;
    case 0xd2: // int32
      need(4);
      pos += 4;
      return readUint32(pos - 4) | 0;
    case 0xca: // float32
      need(4);
      copyFloatBytes(4);
      return floatView.getFloat32(0);
    case 0xcb: // float64
      need(8);
      copyFloatBytes(8);
      return floatView.getFloat64(0);
    case 0xd9: // str8
      return readString(readLength(1), false);
    case 0xda: // str16
      return readString(readLength(2), false);
    case 0xdb: // str32
      return readString(readLength(4), false);
    case 0xc4: // bin8
      return readBinary(readLength(1));
    case 0xc5: // bin16
      return readBinary(readLength(2));
    case 0xc6: // bin32
      return readBinary(readLength(4));
    case 0xdc: // array16
      return readArray(readLength(2), depth);
    case 0xdd: // array32
      return readArray(readLength(4), depth);
    case 0xde: // map16
      return readMap(readLength(2), depth);
    case 0xdf: // map32
      return readMap(readLength(4), depth);
    case 0xcf:
    case 0xd3:
      throw new MalformedFrameError(`64-bit integer at byte ${pos - 1 - start}: integers on this wire fit in 32 bits`);
    case 0xc1:
      throw new MalformedFrameError(`byte 0xc1 at ${pos - 1 - start} is never used in msgpack`);
    default:
      // 0xc7–0xc9 ext, 0xd4–0xd8 fixext
      throw new MalformedFrameError(
        `msgpack extension (0x${head.toString(16)}) at byte ${pos - 1 - start}: extensions are not accepted`,
      );
  }
}

/** `depth`: containers already open around this one. */
function readMap(size: number, depth: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  if (size === 0) return object;
  openContainer(size * 2, depth);
  for (let i = 0; i < size; i++) {
    const key = readKey();
    object[key] = readValue(depth + 1);
  }
  return object;
}

function readArray(length: number, depth: number): unknown[] {
  if (length === 0) return [];
  openContainer(length, depth);
  const array = new Array<unknown>(length);
  for (let i = 0; i < length; i++) array[i] = readValue(depth + 1);
  return array;
}

function openContainer(items: number, depth: number): void {
  if (depth >= MAX_NESTING_DEPTH) throw new MalformedFrameError(`nesting deeper than ${MAX_NESTING_DEPTH} levels`);
  // Every item takes at least one byte: a count beyond the bytes left is a lie.
  if (items > end - pos) throw new MalformedFrameError(`container claims ${items} items with ${end - pos} bytes left`);
}

function readKey(): string {
  if (pos >= end) throw new MalformedFrameError(`msgpack value ends early at byte ${pos - start} of ${end - start}`);
  const head = src[pos]!;
  pos += 1;
  if (head >= 0xa0 && head <= 0xbf) return readString(head & 0x1f, true);
  if (head === 0xd9) return readString(readLength(1), true);
  if (head === 0xda) return readString(readLength(2), true);
  if (head === 0xdb) return readString(readLength(4), true);
  throw new MalformedFrameError(`map key at byte ${pos - 1 - start} is not a string`);
}

/** A string of `length` bytes at `pos` (just past its header). */
function readString(length: number, isKey: boolean): string {
  const from = pos;
  const to = from + length;
  if (to > end) throw new MalformedFrameError(`string at byte ${from - start} claims ${length} bytes past the end`);
  pos = to;
  if (length <= MAX_CACHED_LENGTH) return shortString(from, length, isKey);
  // Longer than any forbidden key: only the encoding is left to check.
  return isAscii(from, to) ? latin1Slice.call(src, from, to) : utf8String(from, to);
}

function shortString(from: number, length: number, isKey: boolean): string {
  if (length === 0) return '';
  // Fibonacci hashing of the length and the first, middle and last bytes.
  const sample = src[from]! | (src[from + (length >> 1)]! << 8) | (src[from + length - 1]! << 16) | (length << 24);
  const slot = Math.imul(sample, 0x9e3779b1) >>> (32 - STRING_CACHE_BITS);
  const cached = stringCache[slot]!;
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === src[from + i]) i++;
    if (i === length) return cached;
  }
  const to = from + length;
  const ascii = isAscii(from, to);
  const string = ascii ? latin1Slice.call(src, from, to) : utf8String(from, to);
  if (FORBIDDEN_KEYS.has(string)) {
    if (isKey) throw new MalformedFrameError(`forbidden map key at byte ${from - start}`);
    return string; // never cached, so a string from the cache is always an allowed key
  }
  if (ascii) stringCache[slot] = string;
  return string;
}

/** Short strings are nearly always ASCII; checking that in JS avoids a native call per string. */
function isAscii(from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (src[i]! >= 0x80) return false;
  return true;
}

function utf8String(from: number, to: number): string {
  if (!isUtf8(src.subarray(from, to))) throw new MalformedFrameError(`string at byte ${from - start} is not valid UTF-8`);
  return utf8Slice.call(src, from, to);
}

function readBinary(length: number): Uint8Array {
  const from = pos;
  const to = from + length;
  if (to > end) throw new MalformedFrameError(`binary at byte ${from - start} claims ${length} bytes past the end`);
  pos = to;
  return copyBinary ? copySlice.call(src, from, to) : src.subarray(from, to);
}

/** A big-endian length of `size` bytes at `pos`, which it passes. */
function readLength(size: 1 | 2 | 4): number {
  need(size);
  pos += size;
  if (size === 1) return src[pos - 1]!;
  if (size === 2) return (src[pos - 2]! << 8) | src[pos - 1]!;
  return readUint32(pos - 4);
}

function need(bytes: number): void {
  if (pos + bytes > end) throw new MalformedFrameError(`msgpack value at byte ${pos - 1 - start} runs past the end`);
}

function readUint32(at: number): number {
  return ((src[at]! << 24) >>> 0) + ((src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!);
}

function copyFloatBytes(size: 4 | 8): void {
  for (let i = 0; i < size; i++) floatBytes[i] = src[pos + i]!;
  pos += size;
}
