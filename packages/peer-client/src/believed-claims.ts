import type { HeldChunks } from '@p2pstream/data';
import type { Scheduler } from '@p2pstream/scheduler';
import type { MapMessage } from '@p2pstream/wire';
import { clipBufferMap, HeldBack } from './believed-maps.js';
import type { SinkWriter } from './sink-writer.js';

/** What peers' claims are handed to: the scheduler, play-out, and the chunks held (a window or a finished stream's store). */
export interface BelievedClaimsParts {
  scheduler: Scheduler;
  writer: SinkWriter;
  window: Pick<HeldChunks, 'edge' | 'finish'>;
}

/** One peer's claims as they arrive: `have`s, and fresh maps. */
export interface PeerClaims {
  have(seq: number): void;
  map(map: MapMessage): void;
}

/**
 * Peers' claims believed only as far as the publisher signed: a chunk past the
 * newest verified head (or the end) is one the publisher has not said it cut,
 * so the claim is held back until a head covers it, then handed to the
 * scheduler. Shared by the Node client and the page's viewer, which verify
 * heads and ends their own ways and report them here.
 */
export class BelievedClaims {
  readonly #parts: BelievedClaimsParts;
  /** One past the last seq a verified head (or the end) covers: peers' claims are believed below it. */
  #believed = 0;
  /** Per peer, what it claimed at or past `#believed`. */
  readonly #heldBack = new Map<string, HeldBack>();

  constructor(parts: BelievedClaimsParts) {
    this.#parts = parts;
  }

  /** A peer joined with `map`: the scheduler learns the believed part of it; the returned claims take what it says from then on. */
  addPeer(address: string, map: MapMessage): PeerClaims {
    const scheduler = this.#parts.scheduler;
    const heldBack = new HeldBack(map);
    this.#heldBack.set(address, heldBack);
    scheduler.addPeer(address, clipBufferMap(map, this.#believed));
    this.#learn(map);
    return {
      have: (seq) => {
        if (seq < this.#believed) scheduler.peerHas(address, seq);
        else heldBack.have(seq);
      },
      map: (fresh) => {
        heldBack.setMap(fresh);
        scheduler.addPeer(address, clipBufferMap(fresh, this.#believed));
        this.#learn(fresh);
      },
    };
  }

  /** The peer is gone (dropped, or its connection closed): its claims with it. */
  removePeer(address: string): void {
    this.#heldBack.delete(address);
    this.#parts.scheduler.removePeer(address);
  }

  /** A newer signed head (or the end) lets the chunks peers claimed below `limit` count: hand them to the scheduler. */
  believeUpTo(limit: number): void {
    const from = this.#believed;
    if (limit <= from) return;
    this.#believed = limit;
    // The edge first: a live scheduler picks its start point from the first edge it hears of.
    this.#believeEdge(limit);
    const scheduler = this.#parts.scheduler;
    for (const [address, heldBack] of this.#heldBack) {
      const { inMap, haves } = heldBack.release(from, limit);
      // Bits of a map are what the peer held when we met it, not news: a finished stream's publisher, met
      // before its signed end, must not look like the first holder of every chunk as it is cut, or
      // rarest-first waits for them to spread and all viewers wait on each other for chunks only it holds.
      for (const seq of inMap) scheduler.peerHas(address, seq, { fromMap: true });
      for (const seq of haves) scheduler.peerHas(address, seq);
    }
  }

  /**
   * The publisher signed the end: the stream has `edge` chunks in all. Returns
   * whether this ended the stream (false for a second end, or one short of what is held).
   */
  end(edge: number): boolean {
    this.believeUpTo(edge);
    const { writer, window, scheduler } = this.#parts;
    if (writer.finalEdge !== undefined || edge < window.edge) return false;
    window.finish(edge);
    writer.setFinalEdge(edge);
    scheduler.finish(edge);
    return true;
  }

  /**
   * What a buffer map says about the stream as a whole: how far it goes, as far
   * as a signed head says so. Whether it is finished only a signed end says.
   */
  #learn(map: MapMessage): void {
    this.#believeEdge(Math.min(map.edge, this.#believed));
  }

  #believeEdge(edge: number): void {
    if (edge > 0 && this.#parts.writer.finalEdge === undefined) this.#parts.scheduler.setEdge(edge - 1);
  }
}
