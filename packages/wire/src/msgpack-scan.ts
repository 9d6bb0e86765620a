import { isUtf8 } from 'node:buffer';
import { MalformedFrameError } from './errors.js';

/** Map keys that could reach an object's prototype if a consumer copied them naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const FORBIDDEN_KEY_LENGTHS = new Set([...FORBIDDEN_KEYS].map((key) => key.length));
const utf8 = new TextDecoder();

// Scratch stacks reused by every scan (scans never interleave: they are synchronous).
const MAX_SCAN_DEPTH = 16;
const remainingStack = new Uint32Array(MAX_SCAN_DEPTH);
const isMapStack = new Uint8Array(MAX_SCAN_DEPTH);

/**
 * Walks one msgpack value without recursion and without allocating for what it
 * claims, before any decoder sees it. It accepts only what our messages use:
 * nil, booleans, integers up to 32 bits, floats, UTF-8 strings, binary, arrays,
 * and maps with string keys; at most `maxDepth` containers deep; exactly one
 * value filling `bytes`. Anything else — extensions (records, Date, BigInt, Map,
 * Set, RegExp, Error and the rest all travel as extensions), 64-bit integers,
 * lengths beyond the end — throws a `MalformedFrameError` saying what it found.
 */
export function scanMsgpack(bytes: Uint8Array, start: number, end: number, maxDepth: number): void {
  if (maxDepth > MAX_SCAN_DEPTH) throw new RangeError(`scanMsgpack supports at most ${MAX_SCAN_DEPTH} levels`);
  // For each open container: items still to read (for maps, keys and values both count), and whether it is a map.
  const remaining = remainingStack;
  const isMap = isMapStack;
  let depth = 0;
  let pos = start;

  for (;;) {
    if (pos >= end) throw new MalformedFrameError(`msgpack value ends early at byte ${pos - start} of ${end - start}`);
    const expectKey = depth > 0 && isMap[depth - 1] === 1 && remaining[depth - 1]! % 2 === 0;
    const head = bytes[pos]!;
    let containerItems = -1; // > -1 when this item opens a container
    let containerIsMap = false;
    let stringStart = -1;
    let stringLength = 0;

    if (head <= 0x7f || head >= 0xe0) {
      pos += 1; // positive / negative fixint
    } else if (head <= 0x8f) {
      containerItems = (head & 0x0f) * 2;
      containerIsMap = true;
      pos += 1;
    } else if (head <= 0x9f) {
      containerItems = head & 0x0f;
      pos += 1;
    } else if (head <= 0xbf) {
      stringStart = pos + 1;
      stringLength = head & 0x1f;
    } else {
      switch (head) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          pos += 1;
          break;
        case 0xcc: // uint8
        case 0xd0: // int8
          pos += 2;
          break;
        case 0xcd: // uint16
        case 0xd1: // int16
          pos += 3;
          break;
        case 0xce: // uint32
        case 0xd2: // int32
        case 0xca: // float32
          pos += 5;
          break;
        case 0xcb: // float64
          pos += 9;
          break;
        case 0xc4: // bin8
          pos = skipSized(bytes, end, pos, 1, 'binary');
          break;
        case 0xc5: // bin16
          pos = skipSized(bytes, end, pos, 2, 'binary');
          break;
        case 0xc6: // bin32
          pos = skipSized(bytes, end, pos, 4, 'binary');
          break;
        case 0xd9: // str8
          stringLength = readLength(bytes, end, pos, 1);
          stringStart = pos + 2;
          break;
        case 0xda: // str16
          stringLength = readLength(bytes, end, pos, 2);
          stringStart = pos + 3;
          break;
        case 0xdb: // str32
          stringLength = readLength(bytes, end, pos, 4);
          stringStart = pos + 5;
          break;
        case 0xdc: // array16
          containerItems = readLength(bytes, end, pos, 2);
          pos += 3;
          break;
        case 0xdd: // array32
          containerItems = readLength(bytes, end, pos, 4);
          pos += 5;
          break;
        case 0xde: // map16
          containerItems = readLength(bytes, end, pos, 2) * 2;
          containerIsMap = true;
          pos += 3;
          break;
        case 0xdf: // map32
          containerItems = readLength(bytes, end, pos, 4) * 2;
          containerIsMap = true;
          pos += 5;
          break;
        case 0xcf:
        case 0xd3:
          throw new MalformedFrameError(`64-bit integer at byte ${pos - start}: integers on this wire fit in 32 bits`);
        case 0xc1:
          throw new MalformedFrameError(`byte 0xc1 at ${pos} is never used in msgpack`);
        default:
          // 0xc7–0xc9 ext, 0xd4–0xd8 fixext
          throw new MalformedFrameError(
            `msgpack extension (0x${head.toString(16)}) at byte ${pos - start}: extensions are not accepted`,
          );
      }
    }

    if (stringStart >= 0) {
      const stringEnd = stringStart + stringLength;
      if (stringEnd > end) throw new MalformedFrameError(`string at byte ${pos - start} claims ${stringLength} bytes past the end`);
      if (!isAscii(bytes, stringStart, stringEnd) && !isUtf8(bytes.subarray(stringStart, stringEnd))) {
        throw new MalformedFrameError(`string at byte ${pos - start} is not valid UTF-8`);
      }
      if (
        expectKey &&
        FORBIDDEN_KEY_LENGTHS.has(stringLength) &&
        FORBIDDEN_KEYS.has(utf8.decode(bytes.subarray(stringStart, stringEnd)))
      ) {
        throw new MalformedFrameError(`forbidden map key at byte ${pos - start}`);
      }
      pos = stringEnd;
    } else if (expectKey) {
      throw new MalformedFrameError(`map key at byte ${pos - start} is not a string`);
    }

    if (pos > end) throw new MalformedFrameError(`msgpack value at byte ${pos - start} runs past the end`);

    if (containerItems > 0) {
      if (depth + 1 > maxDepth) throw new MalformedFrameError(`nesting deeper than ${maxDepth} levels`);
      // Every item takes at least one byte: a count beyond the bytes left is a lie.
      if (containerItems > end - pos) {
        throw new MalformedFrameError(`container claims ${containerItems} items with ${end - pos} bytes left`);
      }
      remaining[depth] = containerItems;
      isMap[depth] = containerIsMap ? 1 : 0;
      depth += 1;
      continue;
    }

    // One item finished: close every container it completes.
    while (depth > 0) {
      const left = remaining[depth - 1]! - 1;
      if (left > 0) {
        remaining[depth - 1] = left;
        break;
      }
      depth -= 1;
    }
    if (depth === 0) break;
  }

  if (pos !== end) throw new MalformedFrameError(`${end - pos} trailing bytes after the msgpack value`);
}

/** Short strings are nearly always ASCII; checking that in JS avoids a native call per string. */
function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

function readLength(bytes: Uint8Array, end: number, pos: number, size: 1 | 2 | 4): number {
  if (pos + 1 + size > end) throw new MalformedFrameError(`length header is cut off`);
  if (size === 1) return bytes[pos + 1]!;
  if (size === 2) return (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
  return ((bytes[pos + 1]! << 24) >>> 0) + (bytes[pos + 2]! << 16) + (bytes[pos + 3]! << 8) + bytes[pos + 4]!;
}

function skipSized(bytes: Uint8Array, end: number, pos: number, size: 1 | 2 | 4, what: string): number {
  const length = readLength(bytes, end, pos, size);
  const next = pos + 1 + size + length;
  if (next > end) throw new MalformedFrameError(`${what} claims ${length} bytes past the end`);
  return next;
}
