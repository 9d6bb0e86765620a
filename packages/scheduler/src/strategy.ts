/** One request a strategy wants made: chunk `seq` from `peer`. */
export interface Pick {
  seq: number;
  peer: string;
  /** Cancel the request in flight for `seq` (it is stuck) and ask `peer` instead. */
  replace?: boolean;
}

/** A request in flight, as strategies see it. */
export interface InFlightRequest {
  peer: string;
  startedAt: number;
  /** When the request was expected to complete, estimated as it was made. */
  expectedAt: number;
}

/**
 * The scheduler's state as a strategy sees it during one round of decisions. Everything here
 * is already filtered by the scheduler's rules, so a strategy only chooses among legal moves.
 */
export interface SchedulerView {
  readonly now: number;
  readonly live: boolean;
  /** The next chunk to play. */
  readonly playhead: number;
  /** The newest chunk known to exist (live), or the last chunk of the stream (finished). */
  readonly edge: number;
  readonly chunkDurationMs: number;
  /** Chunks due within this many ms of now are urgent. */
  readonly urgentWindowMs: number;
  /** An urgent chunk may be asked of a second peer once its deadline is this close. */
  readonly duplicateLeadMs: number;
  /**
   * Chunks wanted now: inside the window, not held, not in flight, announced by at least one
   * peer (which may have no free slot: see `askable`). Ascending, at most `maxCandidates`.
   */
  candidates(): readonly number[];
  /** The same chunks, ascending, produced one at a time: a strategy that stops early pays only for what it read. */
  candidatesInOrder(): IterableIterator<number>;
  /**
   * Every wanted chunk (as `candidates()`, without the `maxCandidates` bound), fewest holders
   * first, ties in a random order, produced one at a time from buckets kept up to date as peers
   * announce chunks: finding the rarest costs the same however long the look-ahead. A finished
   * stream while one peer is known: ascending from the playhead (every chunk has that one holder).
   */
  candidatesByRarity(): IterableIterator<number>;
  /** Whether `seq` is wanted now (one of the candidates). */
  isCandidate(seq: number): boolean;
  /** Peers that have a free slot and are not resting: whoever may be asked now. */
  openPeers(): readonly string[];
  /** Peers that may be asked for `seq` now: they announced it, have a free slot and are not resting after failures. */
  askable(seq: number): readonly string[];
  /** How many peers announced `seq`. */
  rarity(seq: number): number;
  /** When `seq` is due to play, on the scheduler's clock. */
  deadline(seq: number): number;
  /** When any peer first announced `seq`. */
  firstSeenAt(seq: number): number | undefined;
  /** The peer that announced `seq` first. */
  firstHolder(seq: number): string | undefined;
  /**
   * Whether `seq` was first heard of in a buffer map (the peer held it when we met it) rather
   * than announced by a `have` as news: only news is still spreading through the swarm.
   */
  firstSeenInMap(seq: number): boolean;
  /** When a second peer announced `seq`. */
  secondSeenAt(seq: number): number | undefined;
  /** How many peers we know. */
  readonly peerCount: number;
  /** The id the other viewers know this one by, when the scheduler was given it (`selfId`). */
  readonly selfId: string | undefined;
  /** Every peer's id, whatever its state. */
  peers(): readonly string[];
  /** Expected ms until a new request to `peer` completes, from its measured round trip, rate and our bytes queued there. */
  expectedMs(peer: string): number;
  /** Chunks with requests in flight, ascending. */
  inFlightSeqs(): readonly number[];
  /** Requests in flight for `seq`. */
  inFlight(seq: number): readonly InFlightRequest[];
  /**
   * Chunks that may now be asked of a second peer: one request in flight, deadline within
   * `duplicateLeadMs`. Ascending. Picking one of these with another askable peer is allowed.
   */
  duplicateCandidates(): readonly number[];
  /** A number in [0, 1) from the scheduler's (injectable, seedable) source of randomness. */
  random(): number;
  /** Asks to be consulted again at `time` even if nothing else happens (for a strategy that waits on purpose). */
  wakeAt(time: number): void;
}

/**
 * A scheduling policy. The scheduler calls `next` repeatedly while it has free slots; each
 * call returns one request to make (the view then reflects it) or undefined to stop the round.
 */
export interface Strategy {
  readonly name: string;
  next(view: SchedulerView): Pick | undefined;
}
