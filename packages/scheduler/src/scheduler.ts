import { EventEmitter } from 'node:events';
import PQueue from 'p-queue';
import { Availability } from './availability.js';
import { assertSeq, type BufferMap } from './buffer-map.js';
import { ChunkSet } from './chunk-set.js';
import type { Clock, TimerHandle } from './clock.js';
import {
  ChunkRefusedError,
  InvalidArgumentError,
  InvalidPickError,
  RequestCancelledError,
  RequestTimeoutError,
  SchedulerClosedError,
  SchedulerError,
  type CancelReason,
  type RefusalReason,
} from './errors.js';
import type { SchedulerEvents, SchedulerStats } from './events.js';
import { resolveOptions, type ResolvedOptions, type SchedulerOptions } from './options.js';
import { PeerStats } from './peer-stats.js';
import { Playout, type PlayoutState } from './playout.js';
import { RarityBuckets } from './rarity-buckets.js';
import { RequestTable, type Request } from './requests.js';
import type { Pick } from './strategy.js';
import { RoundView, type ViewHost } from './view.js';

/** The refusal carried by a fetch rejection, also when the error crossed a realm and lost its class. */
function refusalOf(error: unknown): RefusalReason | undefined {
  if (error instanceof ChunkRefusedError) return error.reason;
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  return code === 'CHUNK_REFUSED' && (reason === 'not-held' || reason === 'outside-window' || reason === 'busy') ? reason : undefined;
}

/** Weight of a new delivery in the chunk-size estimate. */
const CHUNK_BYTES_GAIN = 1 / 16;

interface PeerEntry {
  stats: PeerStats;
  /** Bounds our requests in flight to this peer. */
  queue: PQueue;
}

/** What the scheduler knows about one peer, for status lines and metrics. */
export interface PeerInfo {
  inFlight: number;
  /** Smoothed request-to-delivery time with nothing queued ahead, once measured. */
  rttMs: number | undefined;
  /** Smoothed delivery rate, bytes per ms, once measured. */
  bytesPerMs: number | undefined;
  delivered: number;
  failed: number;
  consecutiveFailures: number;
  bytes: number;
}

/**
 * Decides which chunk to ask of which peer, when. Knows peers, their buffer maps, the
 * playhead and the live edge; calls the `fetch` callback it was given and learns from how
 * each peer answers. See the package README for the algorithm.
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly #o: ResolvedOptions;
  readonly #clock: Clock;
  readonly #availability: Availability;
  readonly #held: ChunkSet;
  /** Wanted chunks (announced, not held, from the playhead up) by how many peers hold them. */
  readonly #rarity = new RarityBuckets();
  readonly #requests = new RequestTable();
  readonly #peers = new Map<string, PeerEntry>();
  /** Bounds our requests in flight in total. */
  readonly #global: PQueue;
  readonly #playout: Playout;
  readonly #view: RoundView;
  #edge = -1;
  #seatAt: number | undefined;
  #running = false;
  #closed = false;
  #pumpQueued = false;
  #playoutTimer: TimerHandle | undefined;
  #wakeTimer: TimerHandle | undefined;
  #wakeAt = Infinity;
  #chunkBytes: number;
  #onAbort: (() => void) | undefined;
  readonly #counters: Omit<SchedulerStats, 'inFlight'> = {
    requested: 0,
    duplicateRequests: 0,
    delivered: 0,
    deliveredBytes: 0,
    duplicated: 0,
    duplicateBytes: 0,
    timedOut: 0,
    failed: 0,
    cancelled: 0,
    played: 0,
    missed: 0,
  };

  constructor(options: SchedulerOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#clock = this.#o.clock;
    this.#availability = new Availability(this.#o.maxTrackedChunks, (seq, count) => this.#rarity.set(seq, this.#held.has(seq) ? 0 : count));
    this.#held = new ChunkSet(this.#o.maxTrackedChunks);
    this.#global = new PQueue({ concurrency: this.#o.maxInFlight });
    this.#playout = new Playout(this.#o.chunkDurationMs);
    this.#chunkBytes = this.#o.chunkBytes;
    this.#view = new RoundView(this.#viewHost());
    const { signal } = this.#o;
    if (signal?.aborted) this.close();
    else if (signal) {
      this.#onAbort = () => this.close();
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get strategy(): string {
    return this.#o.strategy.name;
  }

  get live(): boolean {
    return this.#o.live;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next chunk to play, or undefined until play-out has a start point. */
  get playhead(): number | undefined {
    return this.#playout.state === 'waiting' ? this.#seatAt : this.#playout.playhead;
  }

  get playoutState(): PlayoutState {
    return this.#playout.state;
  }

  /** The newest chunk known to exist (live) or the last chunk (finished); -1 while unknown. */
  get edge(): number {
    return this.#edge;
  }

  /** When `seq` is due to play on the scheduler's clock, or undefined before play-out starts. */
  deadline(seq: number): number | undefined {
    return this.#playout.state === 'waiting' ? undefined : this.#playout.deadline(seq, this.#clock.now());
  }

  isHeld(seq: number): boolean {
    return this.#held.has(seq);
  }

  get stats(): SchedulerStats {
    return { ...this.#counters, inFlight: this.#requests.size };
  }

  peerInfo(peer: string): PeerInfo | undefined {
    const entry = this.#peers.get(peer);
    if (!entry) return undefined;
    const { rttMs, bytesPerMs, delivered, failed, consecutiveFailures, bytes } = entry.stats;
    return { inFlight: this.#requests.countForPeer(peer), rttMs, bytesPerMs, delivered, failed, consecutiveFailures, bytes };
  }

  /** Adds a peer with its buffer map, or replaces the map of a known peer. */
  addPeer(peer: string, map: BufferMap): void {
    if (typeof peer !== 'string' || peer.length === 0) throw new InvalidArgumentError('a peer id must be a non-empty string');
    if (this.#closed) return;
    this.#availability.setMap(peer, map, this.#clock.now());
    if (!this.#peers.has(peer)) {
      this.#peers.set(peer, { stats: new PeerStats(), queue: new PQueue({ concurrency: this.#o.maxInFlightPerPeer }) });
    }
    this.#raiseEdge(this.#availability.highest());
    this.#schedulePump();
  }

  /** Records a peer's `have`; returns whether it was news. Unknown peers are ignored. */
  peerHas(peer: string, seq: number): boolean {
    assertSeq(seq);
    if (this.#closed || !this.#availability.add(peer, seq, this.#clock.now())) return false;
    this.#raiseEdge(seq);
    if (this.#worthAPump(seq)) this.#schedulePump();
    return true;
  }

  /** Forgets a peer and cancels what was asked of it. */
  removePeer(peer: string): void {
    const entry = this.#peers.get(peer);
    if (!entry) return;
    for (const request of this.#requests.forPeer(peer)) this.#cancel(request, 'peer-removed');
    entry.queue.clear();
    this.#peers.delete(peer);
    this.#availability.removePeer(peer);
    this.#schedulePump();
  }

  /** Records that we hold `seq` (obtained otherwise); requests for it are cancelled. */
  markHeld(seq: number): void {
    assertSeq(seq);
    if (this.#closed || this.#held.has(seq)) return;
    if (this.#playout.state !== 'waiting' && seq < this.#playout.playhead) return;
    this.#held.add(seq);
    this.#rarity.delete(seq);
    for (const request of [...this.#requests.forSeq(seq)]) this.#cancel(request, 'held');
    this.#resumeIfAwaited(seq);
    this.#schedulePump();
  }

  /** Raises the edge: the newest chunk that exists (live) or the last chunk (finished). It never moves back. */
  setEdge(seq: number): void {
    assertSeq(seq);
    if (this.#closed) return;
    this.#raiseEdge(seq);
    this.#schedulePump();
  }

  /**
   * Puts the playhead on `seq` (the start point, or a seek); it falls due `startupDelayMs`
   * after this call (or after `start()` if not started yet).
   */
  setPlayhead(seq: number): void {
    assertSeq(seq);
    if (this.#closed) throw new SchedulerClosedError();
    this.#seatAt = seq;
    if (this.#running) this.#seat(seq);
  }

  /** Starts play-out and requesting. Live without a playhead: seats it `liveOffsetMs` behind the edge once the edge is known. */
  start(): void {
    if (this.#closed) throw new SchedulerClosedError();
    if (this.#running) return;
    this.#running = true;
    if (this.#seatAt !== undefined) this.#seat(this.#seatAt);
    else if (!this.#o.live) this.#seat(0);
    else this.#seatBehindEdge();
    this.#schedulePump();
  }

  /** Cancels every request, releases every timer; the scheduler cannot be started again. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    for (const request of this.#requests.all()) this.#cancel(request, 'closed');
    this.#clock.clearTimeout(this.#playoutTimer);
    this.#clock.clearTimeout(this.#wakeTimer);
    this.#playoutTimer = this.#wakeTimer = undefined;
    this.#global.clear();
    for (const entry of this.#peers.values()) entry.queue.clear();
    if (this.#onAbort) this.#o.signal?.removeEventListener('abort', this.#onAbort);
    this.emit('close');
  }

  // ---- play-out ----

  get #windowEnd(): number {
    if (this.#playout.state === 'waiting') return -1;
    if (!this.#o.live) return this.#edge;
    const lookAhead = Math.ceil(this.#o.lookAheadMs / this.#o.chunkDurationMs);
    return Math.min(this.#edge, this.#playout.playhead + lookAhead - 1);
  }

  #raiseEdge(seq: number): void {
    if (seq <= this.#edge) return;
    this.#edge = seq;
    if (this.#running && this.#playout.state === 'waiting' && this.#seatAt === undefined) this.#seatBehindEdge();
  }

  #seatBehindEdge(): void {
    if (this.#edge < 0) return;
    const behind = Math.round(this.#o.liveOffsetMs / this.#o.chunkDurationMs);
    const playhead = Math.max(0, this.#edge - behind);
    // A stream younger than the offset starts at chunk 0, later, so that its lag is the same.
    const wait = (behind - (this.#edge - playhead)) * this.#o.chunkDurationMs;
    this.#seat(playhead, wait);
  }

  #seat(seq: number, extraDelayMs = 0): void {
    const now = this.#clock.now();
    this.#playout.seat(seq, now + this.#o.startupDelayMs + extraDelayMs);
    this.#afterPlayheadMoved(now);
  }

  #afterPlayheadMoved(now: number): void {
    const playhead = this.#playout.playhead;
    this.#availability.setFloor(playhead, now);
    this.#held.deleteBelow(playhead);
    const end = this.#windowEnd;
    for (const request of this.#requests.all()) {
      if (request.seq < playhead || request.seq > end) this.#cancel(request, 'out-of-window');
    }
    this.#armPlayout();
    this.#schedulePump();
  }

  #armPlayout(): void {
    this.#clock.clearTimeout(this.#playoutTimer);
    this.#playoutTimer = undefined;
    if (!this.#running || this.#playout.state !== 'playing') return;
    const delay = Math.max(0, this.#playout.dueAt - this.#clock.now());
    this.#playoutTimer = this.#clock.setTimeout(() => this.#onPlayoutTick(), delay);
  }

  #onPlayoutTick(): void {
    this.#playoutTimer = undefined;
    const now = this.#clock.now();
    const steps = this.#playout.advance(now, (seq) => this.#held.has(seq), this.#o.live, this.#edge);
    for (const { seq, outcome, dueAt } of steps) {
      if (outcome === 'played') {
        this.#counters.played += 1;
        this.emit('played', { seq, dueAt });
      } else if (outcome === 'missed') {
        this.#counters.missed += 1;
        for (const request of [...this.#requests.forSeq(seq)]) this.#cancel(request, 'missed');
        this.emit('missed', { seq, dueAt });
      } else if (outcome === 'stalled') this.emit('stalled', { seq, dueAt });
      else this.emit('ended');
    }
    this.#afterPlayheadMoved(now);
  }

  #resumeIfAwaited(seq: number): void {
    if (this.#playout.state !== 'stalled' || this.#playout.playhead !== seq) return;
    this.#playout.resume(this.#clock.now());
    this.#armPlayout();
  }

  // ---- requests ----

  /** Whether a new holder of `seq` can change a decision: the chunk is wanted and not yet asked, or its request is late. */
  #worthAPump(seq: number): boolean {
    if (!this.#running || this.#playout.state === 'waiting' || this.#held.has(seq)) return false;
    if (seq < this.#playout.playhead || seq > this.#windowEnd) return false;
    const asked = this.#requests.forSeq(seq);
    if (asked.length === 0) return true;
    return asked.length === 1 && this.#clock.now() > asked[0]!.expectedAt;
  }

  #schedulePump(): void {
    if (this.#pumpQueued || !this.#running) return;
    this.#pumpQueued = true;
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpQueued = false;
    if (!this.#running || this.#playout.state === 'waiting' || this.#playout.state === 'ended') return;
    const view = this.#view;
    // One reading of the clock for the whole round: nothing in it waits.
    const now = this.#clock.now();
    view.invalidate(now);
    while (this.#requests.size < this.#o.maxInFlight) {
      let pick: Pick | undefined;
      try {
        pick = this.#o.strategy.next(view);
      } catch (error) {
        const reason = error instanceof SchedulerError ? error : new InvalidPickError(`strategy ${this.strategy} threw: ${String(error)}`);
        this.emit('error', reason);
        return;
      }
      if (pick === undefined) return;
      const problem = this.#problemWith(pick, now);
      if (problem !== undefined) {
        this.emit('error', new InvalidPickError(`strategy ${this.strategy} picked chunk ${pick.seq} from ${pick.peer}: ${problem}`));
        return;
      }
      if (pick.replace) for (const stuck of [...this.#requests.forSeq(pick.seq)]) this.#cancel(stuck, 'rerouted');
      this.#dispatch(pick.seq, pick.peer, now);
      view.requested(pick.seq, pick.peer, pick.replace === true);
    }
  }

  /** Why the scheduler refuses a pick, or undefined when it is legal. */
  #problemWith({ seq, peer, replace }: Pick, now: number): string | undefined {
    if (!Number.isSafeInteger(seq) || seq < this.#playout.playhead || seq > this.#windowEnd) return 'outside the wanted window';
    if (this.#held.has(seq)) return 'already held';
    const entry = this.#peers.get(peer);
    if (!entry || !this.#availability.peerHas(peer, seq)) return 'the peer has not announced it';
    if (this.#requests.countForPeer(peer) >= this.#o.maxInFlightPerPeer) return 'the peer is at its in-flight limit';
    if (entry.stats.backoffUntil > now) return 'the peer is resting after failures';
    const asked = this.#requests.forSeq(seq);
    if (asked.length === 0) return undefined;
    if (replace) return asked.length === 1 && asked[0]!.peer !== peer ? undefined : 'nothing to replace, or the same peer';
    if (asked.length > 1) return 'two requests are already in flight';
    if (asked[0]!.peer === peer) return 'already asked of this peer';
    if (this.#playout.deadline(seq, now) - now > this.#o.duplicateLeadMs) {
      return 'in flight and not close enough to its deadline for a second request';
    }
    return undefined;
  }

  #dispatch(seq: number, peer: string, now: number): void {
    const entry = this.#peers.get(peer)!;
    const duplicate = this.#requests.forSeq(seq).length > 0;
    const aheadBytes = this.#queuedBytes(peer);
    const timeoutMs = entry.stats.timeoutMs(aheadBytes, this.#o.initialTimeoutMs, this.#o.timeoutFloorMs, this.#o.timeoutCeilingMs);
    const deadline = this.#playout.deadline(seq, now);
    const request: Request = {
      seq,
      peer,
      startedAt: now,
      expectedAt: now + this.#view.expectedMs(peer),
      aheadBytes,
      controller: new AbortController(),
      timeout: undefined,
      duplicateCheck: undefined,
      settled: false,
    };
    this.#requests.add(request);
    request.timeout = this.#clock.setTimeout(() => this.#onTimeout(request), timeoutMs);
    const checkAt = deadline - this.#o.duplicateLeadMs;
    if (!duplicate && checkAt > now) {
      request.duplicateCheck = this.#clock.setTimeout(() => {
        request.duplicateCheck = undefined;
        this.#schedulePump();
      }, checkAt - now);
    }
    this.#counters.requested += 1;
    if (duplicate) this.#counters.duplicateRequests += 1;
    const { signal } = request.controller;
    const fetch = this.#o.fetch;
    entry.queue
      .add(() => this.#global.add(() => fetch(peer, seq, { signal }), { signal }), { signal })
      .then(
        (bytes) => this.#onDelivered(request, bytes),
        (error: unknown) => this.#onFailed(request, error),
      );
    this.emit('requested', { seq, peer, duplicate, urgent: deadline - now <= this.#o.urgentWindowMs, timeoutMs });
  }

  /** Takes a request out of the books; false when it already was. */
  #finish(request: Request): boolean {
    if (request.settled) return false;
    request.settled = true;
    this.#clock.clearTimeout(request.timeout);
    this.#clock.clearTimeout(request.duplicateCheck);
    this.#requests.remove(request);
    return true;
  }

  #onDelivered(request: Request, result: number | void): void {
    const { seq, peer } = request;
    const measured = typeof result === 'number' && Number.isFinite(result) && result >= 0;
    const bytes = measured ? result : this.#chunkBytes;
    const stale = this.#held.has(seq) || (this.#playout.state !== 'waiting' && seq < this.#playout.playhead);
    if (!this.#finish(request)) {
      // Cancelled in the very instant its chunk arrived (the losing side of a second request, or
      // markHeld raced it): the bytes came all the same, for nothing.
      if (stale && !this.#closed) this.#duplicated(seq, peer, bytes);
      return;
    }
    const now = this.#clock.now();
    if (measured) this.#chunkBytes += CHUNK_BYTES_GAIN * (bytes - this.#chunkBytes);
    this.#peers.get(peer)?.stats.recordDelivery(request.startedAt, now, bytes, request.aheadBytes);
    if (stale) this.#duplicated(seq, peer, bytes);
    else {
      this.#held.add(seq);
      this.#rarity.delete(seq);
      this.#counters.delivered += 1;
      this.#counters.deliveredBytes += bytes;
      for (const other of [...this.#requests.forSeq(seq)]) this.#cancel(other, 'duplicate');
      this.emit('delivered', { seq, peer, bytes, ms: now - request.startedAt });
      this.#resumeIfAwaited(seq);
    }
    this.#schedulePump();
  }

  #duplicated(seq: number, peer: string, bytes: number): void {
    this.#counters.duplicated += 1;
    this.#counters.duplicateBytes += bytes;
    this.emit('duplicated', { seq, peer, bytes });
  }

  #onFailed(request: Request, error: unknown): void {
    if (!this.#finish(request)) return;
    const { seq, peer } = request;
    this.#counters.failed += 1;
    const refusal = refusalOf(error);
    if (refusal === 'busy') {
      const until = this.#clock.now() + this.#o.busyRestMs;
      this.#peers.get(peer)?.stats.rest(until);
      this.#wake(until);
    } else if (refusal !== undefined) this.#availability.delete(peer, seq);
    else this.#recordFailure(request);
    this.emit('failed', { seq, peer, error });
    this.#schedulePump();
  }

  #onTimeout(request: Request): void {
    if (!this.#finish(request)) return;
    const afterMs = this.#clock.now() - request.startedAt;
    this.#counters.timedOut += 1;
    this.#recordFailure(request);
    request.controller.abort(new RequestTimeoutError(request.peer, request.seq, afterMs));
    this.emit('timedOut', { seq: request.seq, peer: request.peer, afterMs });
    this.#schedulePump();
  }

  #recordFailure(request: Request): void {
    const stats = this.#peers.get(request.peer)?.stats;
    if (!stats) return;
    const now = this.#clock.now();
    const lengthened = stats.recordFailure(now, request.startedAt, this.#o.backoffFloorMs, this.#o.backoffCeilingMs);
    this.#wake(stats.backoffUntil);
    if (lengthened && stats.consecutiveFailures === this.#o.maxConsecutiveFailures) {
      this.emit('peerFailing', { peer: request.peer, consecutiveFailures: stats.consecutiveFailures });
    }
  }

  #cancel(request: Request, reason: CancelReason): void {
    if (!this.#finish(request)) return;
    this.#counters.cancelled += 1;
    if (reason === 'missed' || reason === 'duplicate' || reason === 'rerouted') {
      const now = this.#clock.now();
      this.#peers.get(request.peer)?.stats.recordUnanswered(now, now - request.startedAt);
    }
    request.controller.abort(new RequestCancelledError(request.peer, request.seq, reason));
    this.emit('cancelled', { seq: request.seq, peer: request.peer, reason });
  }

  /** Whether `peer` may be asked at `now`: it has a free slot and is not resting after failures. */
  #isOpen(peer: string, now: number): boolean {
    const entry = this.#peers.get(peer);
    if (!entry || entry.stats.backoffUntil > now) return false;
    return this.#requests.countForPeer(peer) < this.#o.maxInFlightPerPeer;
  }

  #queuedBytes(peer: string): number {
    return this.#requests.countForPeer(peer) * this.#chunkBytes;
  }

  /** Runs a round of decisions at `time` (a peer's rest ends, a strategy waits on purpose). */
  #wake(time: number): void {
    if (this.#closed || time >= this.#wakeAt) return;
    this.#clock.clearTimeout(this.#wakeTimer);
    this.#wakeAt = time;
    // At least 1 ms ahead, so a strategy asking to be woken "now" cannot spin.
    this.#wakeTimer = this.#clock.setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = Infinity;
      this.#schedulePump();
    }, Math.max(1, time - this.#clock.now()));
  }

  #viewHost(): ViewHost {
    const o = this.#o;
    const playout = this.#playout;
    const edge = () => this.#edge;
    const windowEnd = () => this.#windowEnd;
    const peers = this.#peers;
    return {
      live: o.live,
      get playhead() {
        return playout.playhead;
      },
      get edge() {
        return edge();
      },
      get windowEnd() {
        return windowEnd();
      },
      get peerCount() {
        return peers.size;
      },
      chunkDurationMs: o.chunkDurationMs,
      urgentWindowMs: o.urgentWindowMs,
      duplicateLeadMs: o.duplicateLeadMs,
      maxCandidates: o.maxCandidates,
      estimateHalfLifeMs: o.estimateHalfLifeMs,
      held: this.#held,
      availability: this.#availability,
      rarity: this.#rarity,
      requests: this.#requests,
      openPeers: (now) => [...this.#peers.keys()].filter((peer) => this.#isOpen(peer, now)),
      isOpen: (peer, now) => this.#isOpen(peer, now),
      stats: (peer) => this.#peers.get(peer)?.stats,
      queuedBytes: (peer) => this.#queuedBytes(peer),
      deadline: (seq, now) => this.#playout.deadline(seq, now),
      random: o.random,
      wakeAt: (time) => this.#wake(time),
    };
  }
}
