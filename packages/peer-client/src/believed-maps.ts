import type { BufferMap } from '@p2pstream/data';
import { mapHolds } from '@p2pstream/scheduler';
import type { MapMessage } from '@p2pstream/wire';
import { MAX_PENDING_HAVES } from './constants.js';

/**
 * `map` as far as `limit` (one past the last seq believed): a peer's claim to
 * hold chunks the publisher has not signed a head for is not passed on to the
 * scheduler, which would take the highest of them for the live edge.
 */
export function clipBufferMap(map: BufferMap, limit: number): BufferMap {
  const keep = limit - map.base;
  if (keep <= 0) return { base: map.base, bits: new Uint8Array(0) };
  if (keep >= map.bits.length * 8) return { base: map.base, bits: map.bits };
  const bytes = Math.ceil(keep / 8);
  const bits = map.bits.slice(0, bytes);
  const unused = bytes * 8 - keep;
  if (unused > 0) bits[bytes - 1]! &= (0xff << unused) & 0xff;
  return { base: map.base, bits };
}

/**
 * What one peer claims beyond the newest signed head: its map's bits past the
 * limit, and `have`s past it (at most MAX_PENDING_HAVES). When a newer head
 * raises the limit, `release` hands over what is believed now.
 */
export class HeldBack {
  #map: MapMessage;
  readonly #haves = new Set<number>();

  constructor(map: MapMessage) {
    this.#map = map;
  }

  /** A fresh map from the peer replaces the old one. */
  setMap(map: MapMessage): void {
    this.#map = map;
  }

  have(seq: number): void {
    if (this.#haves.size < MAX_PENDING_HAVES) this.#haves.add(seq);
  }

  /**
   * The seqs in `[from, to)` the peer claimed: `inMap`, the bits of its map (it held them when it
   * sent the map), and `haves`, those it announced since (news of a chunk spreading).
   */
  release(from: number, to: number): { inMap: number[]; haves: number[] } {
    const map = this.#map;
    const inMap: number[] = [];
    const haves: number[] = [];
    const end = Math.min(to, map.base + map.bits.length * 8);
    for (let seq = Math.max(from, map.base); seq < end; seq++) if (mapHolds(map, seq)) inMap.push(seq);
    for (const seq of this.#haves) {
      if (seq >= to) continue;
      this.#haves.delete(seq);
      if (seq >= from && !mapHolds(map, seq)) haves.push(seq);
    }
    return { inMap, haves };
  }
}
