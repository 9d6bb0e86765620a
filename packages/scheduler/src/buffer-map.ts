import { InvalidArgumentError } from './errors.js';

/**
 * Which chunks a peer holds, as the peer protocol's `map` message carries it: bit i (most
 * significant bit first within each byte: byte `i >> 3`, mask `0x80 >> (i & 7)`) says the
 * peer holds chunk `base + i`.
 */
export interface BufferMap {
  base: number;
  bits: Uint8Array;
}

/** Throws unless `seq` is a usable chunk sequence number. */
export function assertSeq(seq: number, what = 'seq'): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${String(seq)}`);
  }
}

/** Whether the map says chunk `seq` is held (false outside the map). */
export function mapHolds(map: BufferMap, seq: number): boolean {
  const i = seq - map.base;
  return i >= 0 && i < map.bits.length * 8 && (map.bits[i >> 3]! & (0x80 >> (i & 7))) !== 0;
}

/** Calls `visit` with every chunk the map says is held, ascending. */
export function forEachHeld(map: BufferMap, visit: (seq: number) => void): void {
  if (map === null || typeof map !== 'object' || !(map.bits instanceof Uint8Array)) {
    throw new InvalidArgumentError('a buffer map must be { base: number; bits: Uint8Array }');
  }
  assertSeq(map.base, 'buffer map base');
  if (!Number.isSafeInteger(map.base + map.bits.length * 8)) {
    throw new InvalidArgumentError(`buffer map base ${map.base} plus ${map.bits.length * 8} bits overflows`);
  }
  const { base, bits } = map;
  for (let byte = 0; byte < bits.length; byte++) {
    const value = bits[byte]!;
    if (value === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if (value & (0x80 >> bit)) visit(base + byte * 8 + bit);
    }
  }
}

/** Builds a buffer map from held sequence numbers (the inverse of `forEachHeld`), for tests and for peers that serve maps. */
export function toBufferMap(held: Iterable<number>): BufferMap {
  const seqs = [...held];
  if (seqs.length === 0) return { base: 0, bits: new Uint8Array(0) };
  for (const seq of seqs) assertSeq(seq);
  const base = Math.min(...seqs);
  const bits = new Uint8Array(((Math.max(...seqs) - base) >> 3) + 1);
  for (const seq of seqs) bits[(seq - base) >> 3]! |= 0x80 >> ((seq - base) & 7);
  return { base, bits };
}
