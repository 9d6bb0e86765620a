import type { Availability } from './availability.js';
import type { ChunkSet } from './chunk-set.js';
import type { Estimate, PeerStats } from './peer-stats.js';
import type { RarityBuckets } from './rarity-buckets.js';
import type { RequestTable } from './requests.js';
import type { InFlightRequest, SchedulerView } from './strategy.js';

/** What the view reads from the scheduler. */
export interface ViewHost {
  readonly live: boolean;
  readonly playhead: number;
  readonly edge: number;
  /** Last chunk of the wanted window, inclusive. */
  readonly windowEnd: number;
  readonly chunkDurationMs: number;
  readonly urgentWindowMs: number;
  readonly duplicateLeadMs: number;
  readonly maxCandidates: number;
  readonly peerCount: number;
  readonly selfId: string | undefined;
  readonly estimateHalfLifeMs: number;
  readonly held: ChunkSet;
  readonly availability: Availability;
  readonly rarity: RarityBuckets;
  readonly requests: RequestTable;
  /** Peers with a free slot that are not resting after failures at `now`. */
  openPeers(now: number): readonly string[];
  /** Every peer, whatever its state. */
  peers(): readonly string[];
  isOpen(peer: string, now: number): boolean;
  stats(peer: string): PeerStats | undefined;
  /** Our bytes in flight to `peer`. */
  queuedBytes(peer: string): number;
  deadline(seq: number, now: number): number;
  random(): number;
  wakeAt(time: number): void;
}

/**
 * The strategy's window on the scheduler for one round of decisions, at one instant (the clock
 * is read once per round). Lists are computed on first use and recomputed after each request
 * the round makes.
 */
export class RoundView implements SchedulerView {
  readonly #host: ViewHost;
  #now = 0;
  #candidates: number[] | undefined;
  #duplicates: number[] | undefined;
  #inFlightSeqs: number[] | undefined;
  readonly #askable = new Map<number, readonly string[]>();
  #open: readonly string[] | undefined;
  #peers: readonly string[] | undefined;
  #prior: Estimate | null | undefined;

  constructor(host: ViewHost) {
    this.#host = host;
  }

  /** Forgets everything computed: a new round at `now`. */
  invalidate(now: number): void {
    this.#now = now;
    this.#candidates = undefined;
    this.#peers = undefined;
    this.#afterRequest();
  }

  /**
   * After a request this round made: `seq` is in flight now and `peer` has one slot less. Only
   * what that changes is recomputed (a cancelled request frees a slot: everything is).
   */
  requested(seq: number, peer: string, cancelledOthers: boolean): void {
    if (cancelledOthers) {
      this.invalidate(this.#now);
      return;
    }
    const index = this.#candidates?.indexOf(seq) ?? -1;
    if (index >= 0) this.#candidates!.splice(index, 1);
    this.#duplicates = undefined;
    this.#inFlightSeqs = undefined;
    this.#askable.delete(seq);
    if (!this.#host.isOpen(peer, this.#now)) {
      if (this.#open) this.#open = this.#open.filter((open) => open !== peer);
      for (const [key, peers] of this.#askable) if (peers.includes(peer)) this.#askable.set(key, peers.filter((open) => open !== peer));
    }
  }

  #afterRequest(): void {
    this.#duplicates = undefined;
    this.#inFlightSeqs = undefined;
    this.#askable.clear();
    this.#open = undefined;
    this.#prior = undefined;
  }

  get now(): number {
    return this.#now;
  }
  get live(): boolean {
    return this.#host.live;
  }
  get playhead(): number {
    return this.#host.playhead;
  }
  get edge(): number {
    return this.#host.edge;
  }
  get chunkDurationMs(): number {
    return this.#host.chunkDurationMs;
  }
  get urgentWindowMs(): number {
    return this.#host.urgentWindowMs;
  }
  get duplicateLeadMs(): number {
    return this.#host.duplicateLeadMs;
  }

  candidates(): readonly number[] {
    return (this.#candidates ??= [...this.candidatesInOrder()]);
  }

  candidatesInOrder(): IterableIterator<number> {
    return this.#ascending(this.#host.maxCandidates);
  }

  *candidatesByRarity(): IterableIterator<number> {
    const host = this.#host;
    if (!host.live && host.peerCount <= 1) {
      // A finished stream and one peer: every chunk has the same single holder, so rarity says
      // nothing and a random order only makes play-out wait behind gaps (and read them back from
      // disk). In order from the playhead, each chunk can be played as it arrives.
      yield* this.#ascending(Infinity);
      return;
    }
    for (const seq of host.rarity.byRarity(host.random)) if (this.isCandidate(seq)) yield seq;
  }

  /** The candidates from the playhead up, at most `bound` of them. */
  *#ascending(bound: number): IterableIterator<number> {
    const host = this.#host;
    let found = 0;
    for (let seq = host.held.firstMissingFrom(host.playhead); seq <= host.windowEnd && found < bound; seq++) {
      if (host.held.has(seq) || host.availability.count(seq) === 0 || host.requests.forSeq(seq).length > 0) continue;
      found += 1;
      yield seq;
    }
  }

  isCandidate(seq: number): boolean {
    const host = this.#host;
    if (seq < host.playhead || seq > host.windowEnd || host.held.has(seq)) return false;
    return host.availability.count(seq) > 0 && host.requests.forSeq(seq).length === 0;
  }

  askable(seq: number): readonly string[] {
    let peers = this.#askable.get(seq);
    if (peers) return peers;
    const host = this.#host;
    const asked = host.requests.forSeq(seq);
    peers = this.openPeers().filter(
      (peer) => host.availability.peerHas(peer, seq) && !asked.some((request) => request.peer === peer),
    );
    this.#askable.set(seq, peers);
    return peers;
  }

  rarity(seq: number): number {
    return this.#host.availability.count(seq);
  }

  deadline(seq: number): number {
    return this.#host.deadline(seq, this.#now);
  }

  firstSeenAt(seq: number): number | undefined {
    return this.#host.availability.firstSeenAt(seq);
  }

  firstHolder(seq: number): string | undefined {
    return this.#host.availability.firstHolder(seq);
  }

  firstSeenInMap(seq: number): boolean {
    return this.#host.availability.firstSeenInMap(seq);
  }

  secondSeenAt(seq: number): number | undefined {
    return this.#host.availability.secondSeenAt(seq);
  }

  get peerCount(): number {
    return this.#host.peerCount;
  }

  get selfId(): string | undefined {
    return this.#host.selfId;
  }

  peers(): readonly string[] {
    return (this.#peers ??= this.#host.peers());
  }

  expectedMs(peer: string): number {
    const stats = this.#host.stats(peer);
    if (!stats) return Infinity;
    return stats.expectedMs(this.#host.queuedBytes(peer), this.#priorStats(), this.#now, this.#host.estimateHalfLifeMs);
  }

  inFlightSeqs(): readonly number[] {
    return (this.#inFlightSeqs ??= [...this.#host.requests.seqs()].sort((a, b) => a - b));
  }

  inFlight(seq: number): readonly InFlightRequest[] {
    return this.#host.requests.forSeq(seq);
  }

  duplicateCandidates(): readonly number[] {
    if (this.#duplicates) return this.#duplicates;
    const host = this.#host;
    const found: number[] = [];
    for (const seq of host.requests.seqs()) {
      if (seq < host.playhead || host.requests.forSeq(seq).length !== 1) continue;
      if (this.deadline(seq) - this.#now > host.duplicateLeadMs) continue;
      if (this.askable(seq).length > 0) found.push(seq);
    }
    return (this.#duplicates = found.sort((a, b) => a - b));
  }

  random(): number {
    return this.#host.random();
  }

  wakeAt(time: number): void {
    this.#host.wakeAt(time);
  }

  openPeers(): readonly string[] {
    return (this.#open ??= this.#host.openPeers(this.#now));
  }

  /**
   * What a peer not measured yet is assumed to do: the best round trip and rate measured on any
   * peer, the round trip capped at a chunk's duration. A peer is asked only if it is expected in
   * time, and asking is the only way to measure it: when the only peer measured was a source
   * slowed to seconds a request by its upload cap, every peer that joined later looked as slow,
   * was never asked for a live chunk near its deadline, so never measured, and the chunks it held
   * were skipped as held-back. The cap is optimism enough to ask it for a chunk due a few chunks
   * from now, and not so much that a request to it looks overdue at once and is moved at once.
   */
  #priorStats(): Estimate | undefined {
    if (this.#prior !== undefined) return this.#prior ?? undefined;
    let rtt = Infinity;
    let rate = 0;
    for (const peer of this.#host.availability.peers()) {
      const stats = this.#host.stats(peer);
      if (stats?.rttMs === undefined || stats.bytesPerMs === undefined) continue;
      rtt = Math.min(rtt, stats.rttMs);
      rate = Math.max(rate, stats.bytesPerMs);
    }
    this.#prior = rtt === Infinity ? null : { rttMs: Math.min(rtt, this.#host.chunkDurationMs), bytesPerMs: rate };
    return this.#prior ?? undefined;
  }
}
