import { CHUNK_LAYOUT } from './chunk-encode.js';

/** Where a chunk's payload is copied to: a buffer of at least `length` bytes that the payload then fills from its start. */
export type TakeBuffer = (length: number) => Uint8Array;

const copySlice = Uint8Array.prototype.slice;
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/**
 * The fast path for the bulk of the traffic: a chunk body laid out exactly as
 * `encodeChunkParts` writes it (the same keys in the same order, sig as bin8,
 * data as bin32, nothing after the data) is read without the general decoder's
 * per-value dispatch. Returns the body as the general decoder would, or
 * `undefined` for any other bytes, which then take the general path and get its
 * answer or its refusal. It only reads: the caller still validates the result.
 * With `takeBuffer`, the payload is copied into a buffer from it (a copied one is otherwise a fresh one).
 */
export function decodeChunkBody(bytes: Uint8Array, start: number, end: number, copy: boolean, takeBuffer?: TakeBuffer): object | undefined {
  const { map, t, re, seq, ts, sig, data } = CHUNK_LAYOUT;
  let pos = start;
  if (!matches(bytes, pos, map, end)) return undefined;
  pos += map.length;
  if (!matches(bytes, pos, t, end)) return undefined;
  pos += t.length;
  if (!matches(bytes, pos, re, end)) return undefined;
  const reValue = readNumber(bytes, (pos += re.length), end);
  if (reValue === undefined) return undefined;
  pos = numberEnd;
  if (!matches(bytes, pos, seq, end)) return undefined;
  const seqValue = readNumber(bytes, (pos += seq.length), end);
  if (seqValue === undefined) return undefined;
  pos = numberEnd;
  if (!matches(bytes, pos, ts, end)) return undefined;
  const tsValue = readNumber(bytes, (pos += ts.length), end);
  if (tsValue === undefined) return undefined;
  pos = numberEnd;
  if (!matches(bytes, pos, sig, end)) return undefined;
  pos += sig.length;
  // bin8 of any length; the validator checks it is a signature's.
  if (pos + 2 > end || bytes[pos] !== 0xc4) return undefined;
  const sigEnd = pos + 2 + bytes[pos + 1]!;
  if (sigEnd > end) return undefined;
  const sigValue = binary(bytes, pos + 2, sigEnd, copy);
  pos = sigEnd;
  if (!matches(bytes, pos, data, end)) return undefined;
  pos += data.length;
  if (pos + 5 > end || bytes[pos] !== 0xc6) return undefined;
  const dataStart = pos + 5;
  // The payload must fill the body exactly: no trailing bytes, none missing.
  if (readUint32(bytes, pos + 1) !== end - dataStart) return undefined;
  const dataValue = takeBuffer ? copyInto(takeBuffer(end - dataStart), bytes, dataStart, end) : binary(bytes, dataStart, end, copy);
  return { t: 'chunk', re: reValue, seq: seqValue, ts: tsValue, sig: sigValue, data: dataValue };
}

/** Where the number `readNumber` last read ends (a module variable: no object per number). */
let numberEnd = 0;

/** An unsigned integer or float64 at `pos`, as the general decoder reads it; `undefined` for any other head. */
function readNumber(bytes: Uint8Array, pos: number, end: number): number | undefined {
  if (pos >= end) return undefined;
  const head = bytes[pos]!;
  if (head <= 0x7f) {
    numberEnd = pos + 1;
    return head;
  }
  const size = head === 0xcc ? 1 : head === 0xcd ? 2 : head === 0xce ? 4 : head === 0xcb ? 8 : 0;
  if (size === 0 || pos + 1 + size > end) return undefined;
  numberEnd = pos + 1 + size;
  if (size === 1) return bytes[pos + 1]!;
  if (size === 2) return (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
  if (size === 4) return readUint32(bytes, pos + 1);
  for (let i = 0; i < 8; i++) floatBytes[i] = bytes[pos + 1 + i]!;
  return floatView.getFloat64(0);
}

function matches(bytes: Uint8Array, pos: number, expected: Uint8Array, end: number): boolean {
  if (pos + expected.length > end) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[pos + i] !== expected[i]) return false;
  return true;
}

function binary(bytes: Uint8Array, from: number, to: number, copy: boolean): Uint8Array {
  return copy ? copySlice.call(bytes, from, to) : bytes.subarray(from, to);
}

function copyInto(target: Uint8Array, bytes: Uint8Array, from: number, to: number): Uint8Array {
  target.set(bytes.subarray(from, to));
  return target.subarray(0, to - from);
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}
