import { ChunkSet } from './chunk-set.js';
import { assertSeq, forEachHeld, type BufferMap } from './buffer-map.js';

/**
 * Who holds what: every peer's buffer map, the number of peers holding each chunk (its
 * rarity) and when a chunk was first announced by anybody. Counts are kept only from
 * `floor` (the playhead) upwards, since nothing below it is ever wanted again.
 */
export class Availability {
  readonly maxSpan: number;
  #maps = new Map<string, ChunkSet>();
  #counts = new Map<number, number>();
  #firstSeen = new Map<number, number>();
  #secondSeen = new Map<number, number>();
  #firstHolder = new Map<number, string>();
  /** Chunks first heard of in a buffer map (already held when we met the peer), not in a `have` as news. */
  #firstInMap: ChunkSet;
  #floor = 0;

  /** Told every change of a chunk's holder count at or above the floor (0: nobody holds it, or it fell below the floor). */
  readonly #onCount: (seq: number, count: number) => void;

  constructor(maxSpan: number, onCount: (seq: number, count: number) => void = () => undefined) {
    this.maxSpan = maxSpan;
    this.#onCount = onCount;
    this.#firstInMap = new ChunkSet(maxSpan);
  }

  get floor(): number {
    return this.#floor;
  }

  /** Peers with a buffer map, in the order they were added. */
  peers(): IterableIterator<string> {
    return this.#maps.keys();
  }

  hasPeer(peer: string): boolean {
    return this.#maps.has(peer);
  }

  /** Sets (or replaces) a peer's whole map. */
  setMap(peer: string, map: BufferMap, now: number): void {
    const fresh = new ChunkSet(this.maxSpan);
    forEachHeld(map, (seq) => fresh.add(seq));
    this.removePeer(peer);
    this.#maps.set(peer, fresh);
    for (const seq of fresh.values(this.#floor)) this.#increment(seq, now, peer, true);
  }

  /** Records that `peer` now holds `seq` (`inMap`: a bit of its map, learnt late); returns whether that was news. */
  add(peer: string, seq: number, now: number, inMap = false): boolean {
    assertSeq(seq);
    const map = this.#maps.get(peer);
    if (!map) return false;
    const added = map.add(seq, (dropped) => this.#decrement(dropped));
    if (added && seq >= this.#floor) this.#increment(seq, now, peer, inMap);
    return added;
  }

  /** Forgets that `peer` holds `seq` (it refused to serve it). */
  delete(peer: string, seq: number): void {
    if (this.#maps.get(peer)?.delete(seq)) this.#decrement(seq);
  }

  removePeer(peer: string): void {
    const map = this.#maps.get(peer);
    if (!map) return;
    this.#maps.delete(peer);
    for (const seq of map.values(this.#floor)) this.#decrement(seq);
  }

  peerHas(peer: string, seq: number): boolean {
    return this.#maps.get(peer)?.has(seq) ?? false;
  }

  /** How many peers hold `seq` (0 below the floor). */
  count(seq: number): number {
    return this.#counts.get(seq) ?? 0;
  }

  /** When `seq` was first announced by any peer, or undefined when nobody holds it. */
  firstSeenAt(seq: number): number | undefined {
    return this.#firstSeen.get(seq);
  }

  /** The peer that announced `seq` first, while anybody holds it. */
  firstHolder(seq: number): string | undefined {
    return this.#firstHolder.get(seq);
  }

  /** Whether `seq` was first heard of in a buffer map rather than announced by a `have` as news. */
  firstSeenInMap(seq: number): boolean {
    return this.#firstInMap.has(seq);
  }

  /** When a second peer announced `seq`, or undefined while at most one holds it. */
  secondSeenAt(seq: number): number | undefined {
    return this.#secondSeen.get(seq);
  }

  /** Highest chunk any peer announced, or -1. */
  highest(): number {
    let highest = -1;
    for (const map of this.#maps.values()) highest = Math.max(highest, map.highest);
    return highest;
  }

  /**
   * Moves the floor. Raising it drops counts below; lowering it (a seek backwards) recounts
   * from the maps, which still hold what peers announced below the old floor.
   */
  setFloor(floor: number, now: number): void {
    if (floor === this.#floor) return;
    if (floor > this.#floor) {
      for (const seq of this.#counts.keys()) {
        if (seq >= floor) continue;
        this.#counts.delete(seq);
        this.#onCount(seq, 0);
      }
      for (const seq of this.#firstSeen.keys()) if (seq < floor) this.#firstSeen.delete(seq);
      for (const seq of this.#secondSeen.keys()) if (seq < floor) this.#secondSeen.delete(seq);
      for (const seq of this.#firstHolder.keys()) if (seq < floor) this.#firstHolder.delete(seq);
      this.#firstInMap.deleteBelow(floor);
      this.#floor = floor;
      return;
    }
    this.#floor = floor;
    for (const seq of this.#counts.keys()) this.#onCount(seq, 0);
    this.#counts.clear();
    this.#firstSeen.clear();
    this.#secondSeen.clear();
    this.#firstHolder.clear();
    this.#firstInMap.clear();
    for (const [peer, map] of this.#maps) for (const seq of map.values(floor)) this.#increment(seq, now, peer, true);
  }

  #increment(seq: number, now: number, peer: string, inMap: boolean): void {
    const count = this.#counts.get(seq) ?? 0;
    this.#counts.set(seq, count + 1);
    this.#onCount(seq, count + 1);
    if (count === 0 && !this.#firstSeen.has(seq)) {
      this.#firstSeen.set(seq, now);
      this.#firstHolder.set(seq, peer);
      if (inMap) this.#firstInMap.add(seq);
    }
    if (count === 1 && !this.#secondSeen.has(seq)) this.#secondSeen.set(seq, now);
  }

  #decrement(seq: number): void {
    if (seq < this.#floor) return;
    const count = this.#counts.get(seq) ?? 0;
    if (count <= 1) {
      this.#counts.delete(seq);
      this.#firstSeen.delete(seq);
      this.#secondSeen.delete(seq);
      this.#firstHolder.delete(seq);
      this.#firstInMap.delete(seq);
    } else this.#counts.set(seq, count - 1);
    this.#onCount(seq, Math.max(0, count - 1));
  }
}
