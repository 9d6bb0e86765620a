/**
 * Which addresses a publisher queued each of its chunks for. The publisher gives
 * its newest chunks priority on the assumption that other peers hold the older
 * ones; counting who got a chunk tells whether that can be true. A chunk that went
 * to one address only may have gone to a leech that passes nothing on, and then
 * the publisher is still its viewers' only source.
 *
 * Bounded by the window: entries for chunks below its base are dropped once there
 * are more entries than chunks in it.
 */
export class ChunkRecipients {
  readonly #addresses = new Map<number, Set<string>>();

  /** `seq` was queued for a peer at `address`; `base` and `edge` are the window's now. */
  record(seq: number, address: string, window: { base: number; edge: number }): void {
    let addresses = this.#addresses.get(seq);
    if (!addresses) this.#addresses.set(seq, (addresses = new Set()));
    addresses.add(address);
    if (this.#addresses.size > window.edge - window.base) {
      for (const held of this.#addresses.keys()) if (held < window.base) this.#addresses.delete(held);
    }
  }

  /** How many distinct addresses `seq` was queued for. */
  count(seq: number): number {
    return this.#addresses.get(seq)?.size ?? 0;
  }
}
