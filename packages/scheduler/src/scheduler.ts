import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
import PQueue from 'p-queue';
import { Availability } from './availability.js';
import { assertSeq, type BufferMap } from './buffer-map.js';
import { ChunkSet } from './chunk-set.js';
import { CATCH_UP_QUIET_MS, CATCH_UP_RATE } from './constants.js';
import { EdgeClock } from './edge-clock.js';
import type { Clock, TimerHandle } from '@p2pstream/units';
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
import { Playhead, type PlayoutState } from './playhead.js';
import { RarityBuckets } from './rarity-buckets.js';
import { RequestTable, type Request } from './requests.js';
import { RequestHistory, SKIP_CAUSES, skipCause, type SkipCause } from './skip-causes.js';
import type { Pick } from './strategy.js';
import { RoundView, type ViewHost } from './view.js';

/** The refusal carried by a fetch rejection, also when the error crossed a realm and lost its class. */
function refusalOf(error: unknown): RefusalReason | undefined {
  if (error instanceof ChunkRefusedError) return error.reason;
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  return code === 'CHUNK_REFUSED' && (reason === 'not-held' || reason === 'outside-window' || reason === 'busy') ? reason : undefined;
}

/** `NODE_DEBUG=p2pstream:scheduler` traces every decision, one line each, starting `chunk <seq>:`. */
const trace = debuglog('p2pstream:scheduler');

/** Weight of a new delivery in the chunk-size estimate. */
const CHUNK_BYTES_GAIN = 1 / 16;

interface PeerEntry {
  stats: PeerStats;
  /** Runs our fetches to this peer: the only bound on them (`maxInFlightPerPeer`): a slot is taken until its task ends. */
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
  /** Chunks announced by some peer since they came into the window (the playhead up). */
  readonly #announced: ChunkSet;
  readonly #history = new RequestHistory();
  readonly #peers = new Map<string, PeerEntry>();
  /** Runs every fetch: the only bound on our requests in flight in total (`maxInFlight`). */
  readonly #global: PQueue;
  readonly #playhead: Playhead;
  readonly #view: RoundView;
  /** When each chunk appears here; with `targetLatencyMs`, play-out follows it. */
  readonly #edgeClock: EdgeClock;
  #edge = -1;
  /** Target latency: the latency play-out holds now, the target plus what it fell back (`maxLatencyMs`). */
  #latencyMs: number | undefined;
  /** Target latency: when play-out last waited for a late chunk (it catches up only after a quiet spell). */
  #lastWaitAt = -Infinity;
  /** The last chunk, once the stream is known to have ended (`finish`). */
  #last: number | undefined;
  #seatAt: number | undefined;
  #running = false;
  #closed = false;
  /** `pauseRequests`: no new request until `resumeRequests`. */
  #requestsPaused = false;
  #pumpQueued = false;
  #playheadTimer: TimerHandle | undefined;
  #wakeTimer: TimerHandle | undefined;
  #wakeAt = Infinity;
  #chunkBytes: number;
  #onAbort: (() => void) | undefined;
  readonly #counters: Omit<SchedulerStats, 'inFlight' | 'missedByCause'> = {
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
    rebuffered: 0,
  };
  readonly #missedByCause = Object.fromEntries(SKIP_CAUSES.map((cause) => [cause, 0])) as Record<SkipCause, number>;

  constructor(options: SchedulerOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#clock = this.#o.clock;
    this.#availability = new Availability(this.#o.maxTrackedChunks, (seq, count) => {
      this.#rarity.set(seq, this.#held.has(seq) ? 0 : count);
      if (count > 0) this.#announced.add(seq);
    });
    this.#held = new ChunkSet(this.#o.maxTrackedChunks);
    this.#announced = new ChunkSet(this.#o.maxTrackedChunks);
    this.#global = this.#queue(this.#o.maxInFlight);
    this.#playhead = new Playhead(this.#o.chunkDurationMs);
    this.#edgeClock = new EdgeClock(this.#o.chunkDurationMs);
    this.#chunkBytes = this.#o.chunkBytes;
    this.#latencyMs = this.#o.live ? this.#o.targetLatencyMs : undefined;
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
    return this.#playhead.state === 'waiting' ? this.#seatAt : this.#playhead.seq;
  }

  get playoutState(): PlayoutState {
    return this.#playhead.state;
  }

  /** The newest chunk known to exist (live) or the last chunk (finished); -1 while unknown. */
  get edge(): number {
    return this.#edge;
  }

  /**
   * Live with a target latency: the latency play-out holds now, from a chunk's first
   * announcement to its play: the target, plus what it fell back when chunks came too late
   * (see `maxLatencyMs`). Undefined without a target.
   */
  get latencyMs(): number | undefined {
    return this.#latencyMs;
  }

  /** When `seq` is due to play on the scheduler's clock, or undefined before play-out starts. */
  deadline(seq: number): number | undefined {
    return this.#playhead.state === 'waiting' ? undefined : this.#playhead.deadline(seq, this.#clock.now());
  }

  isHeld(seq: number): boolean {
    return this.#held.has(seq);
  }

  get stats(): SchedulerStats {
    return { ...this.#counters, missedByCause: { ...this.#missedByCause }, inFlight: this.#requests.size };
  }

  peerInfo(peer: string): PeerInfo | undefined {
    const entry = this.#peers.get(peer);
    if (!entry) return undefined;
    const { rttMs, bytesPerMs, delivered, failed, consecutiveFailures, bytes } = entry.stats;
    return { inFlight: this.#requests.countFor(peer), rttMs, bytesPerMs, delivered, failed, consecutiveFailures, bytes };
  }

  /** Adds a peer with its buffer map, or replaces the map of a known peer. */
  addPeer(peer: string, map: BufferMap): void {
    if (typeof peer !== 'string' || peer.length === 0) throw new InvalidArgumentError('a peer id must be a non-empty string');
    if (this.#closed) return;
    this.#availability.setMap(peer, map, this.#clock.now());
    if (!this.#peers.has(peer)) {
      this.#peers.set(peer, { stats: new PeerStats(), queue: this.#queue(this.#o.maxInFlightPerPeer, () => this.#schedulePump()) });
    }
    this.#raiseEdge(this.#availability.highest());
    this.#schedulePump();
  }

  /**
   * Records a peer's `have`; returns whether it was news. Unknown peers are ignored. With
   * `fromMap`, the chunk was in the peer's buffer map but held back until now (past the newest
   * signed head): the peer held it when we met it, so it counts as a map's bit, not as a chunk
   * spreading — rarest-first does not wait for it to reach a second peer.
   */
  peerHas(peer: string, seq: number, options: { fromMap?: boolean } = {}): boolean {
    assertSeq(seq);
    if (this.#closed || !this.#availability.add(peer, seq, this.#clock.now(), options.fromMap ?? false)) return false;
    this.#raiseEdge(seq);
    if (this.#worthAPump(seq)) this.#schedulePump();
    return true;
  }

  /** Forgets a peer and cancels what was asked of it. */
  removePeer(peer: string): void {
    const entry = this.#peers.get(peer);
    if (!entry) return;
    for (const request of this.#requests.all()) if (request.peer === peer) this.#cancel(request, 'peer-removed');
    entry.queue.clear();
    this.#peers.delete(peer);
    this.#availability.removePeer(peer);
    this.#schedulePump();
  }

  /** Records that we hold `seq` (obtained otherwise); requests for it are cancelled. */
  markHeld(seq: number): void {
    assertSeq(seq);
    if (this.#closed || this.#held.has(seq)) return;
    if (this.#playhead.state !== 'waiting' && seq < this.#playhead.seq) return;
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
   * The stream has ended with `chunks` chunks in all (its last is `chunks - 1`), as a signed or
   * trusted end says. Finished streams: the same as `setEdge(chunks - 1)`. Live: a chunk not held
   * when due is then always skipped (there is no source left to wait for), and play-out ends
   * (`ended`) once the playhead has passed the last chunk. Only the first call counts.
   */
  finish(chunks: number): void {
    if (!Number.isSafeInteger(chunks) || chunks < 0) throw new InvalidArgumentError(`a chunk count must be a non-negative integer, got ${String(chunks)}`);
    if (this.#closed || this.#last !== undefined) return;
    this.#last = chunks - 1;
    if (chunks > 0) this.#raiseEdge(chunks - 1);
    if (this.#o.live && this.#playhead.state === 'playing' && this.#playhead.seq > this.#last) {
      this.#endPlayout();
      return;
    }
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

  /** Play time of one chunk: `chunkDurationMs`, or what `setChunkDurationMs` set since. */
  get chunkDurationMs(): number {
    return this.#playhead.chunkDurationMs;
  }

  /**
   * Finished streams: moves the playhead `ms` a chunk from now on, which sets which chunks are
   * urgent (a viewer learns the chunk size from the first chunks and paces in bytes). A live
   * stream's chunk duration is the publisher's grid, which the edge clock is built on: throws
   * `INVALID_ARGUMENT` for it, and for a value that is not a positive number.
   */
  setChunkDurationMs(ms: number): void {
    if (this.#o.live) throw new InvalidArgumentError('a live stream plays at its publisher’s chunk duration; only a finished stream’s pace can change');
    if (!(ms > 0) || !Number.isFinite(ms)) throw new InvalidArgumentError(`a chunk duration must be a positive number of ms, got ${String(ms)}`);
    if (this.#closed || ms === this.#playhead.chunkDurationMs) return;
    this.#playhead.chunkDurationMs = ms;
    this.#schedulePump();
  }

  /** Whether `pauseRequests` holds new requests back. */
  get requestsPaused(): boolean {
    return this.#requestsPaused;
  }

  /**
   * Makes no new request until `resumeRequests`, for a consumer that cannot keep up (a
   * finished stream written to a disk slower than the peers): requests in flight go on, and
   * play-out and its deadlines are left as they are.
   */
  pauseRequests(): void {
    this.#requestsPaused = true;
  }

  /** Requests again after `pauseRequests`. */
  resumeRequests(): void {
    if (!this.#requestsPaused) return;
    this.#requestsPaused = false;
    this.#schedulePump();
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
    this.#clock.clearTimeout(this.#playheadTimer);
    this.#clock.clearTimeout(this.#wakeTimer);
    this.#playheadTimer = this.#wakeTimer = undefined;
    this.#global.clear();
    for (const entry of this.#peers.values()) entry.queue.clear();
    if (this.#onAbort) this.#o.signal?.removeEventListener('abort', this.#onAbort);
    this.emit('close');
  }

  // ---- play-out ----

  get #windowEnd(): number {
    if (this.#playhead.state === 'waiting') return -1;
    if (!this.#o.live) return this.#edge;
    const lookAhead = Math.ceil(this.#o.lookAheadMs / this.#o.chunkDurationMs);
    return Math.min(this.#edge, this.#playhead.seq + lookAhead - 1);
  }

  #raiseEdge(seq: number): void {
    if (seq <= this.#edge) return;
    this.#edge = seq;
    // Only a new edge can be heard of earlier than the estimate: an older chunk heard now gives a later bound.
    const earlier = this.#edgeClock.heard(seq, this.#clock.now());
    if (this.#running && this.#playhead.state === 'waiting' && this.#seatAt === undefined) this.#seatBehindEdge();
    else if (earlier) this.#holdTarget();
  }

  /** The target latency's due time of `seq`, or undefined without a target or before any chunk was heard of. */
  #targetDue(seq: number): number | undefined {
    const latency = this.#latencyMs;
    const heardAt = this.#edgeClock.timeOf(seq);
    return latency === undefined || heardAt === undefined ? undefined : heardAt + latency;
  }

  /**
   * Target latency: the chunks' times moved earlier (a faster path announced one), so the playhead
   * falls due earlier to stay the target behind them; what is not held by then is skipped.
   */
  #holdTarget(): void {
    if (!this.#running || this.#playhead.state !== 'playing') return;
    const seq = this.#playhead.seq;
    const due = this.#targetDue(seq);
    if (due === undefined || due >= this.#playhead.dueAt) return;
    const now = this.#clock.now();
    this.#playhead.seat(seq, Math.max(now, due));
    if (trace.enabled) trace('chunk %d: chunks appear earlier than thought; now due in %d ms', seq, this.#playhead.dueAt - now);
    this.#armPlayout();
    this.#schedulePump();
  }

  #seatBehindEdge(): void {
    if (this.#edge < 0) return;
    if (this.#o.targetLatencyMs !== undefined) {
      this.#seatOnTarget(this.#firstOnTarget());
      return;
    }
    const behind = Math.round(this.#o.liveOffsetMs / this.#o.chunkDurationMs);
    const playhead = Math.max(0, this.#edge - behind);
    // A stream younger than the offset starts at chunk 0, later, so that its lag is the same.
    const wait = (behind - (this.#edge - playhead)) * this.#o.chunkDurationMs;
    this.#seat(playhead, wait);
  }

  #seat(seq: number, extraDelayMs = 0): void {
    const now = this.#clock.now();
    this.#playhead.seat(seq, now + this.#o.startupDelayMs + extraDelayMs);
    this.#afterPlayheadMoved(now);
  }

  /** Target latency: the oldest chunk that falls due at least `startupLeadMs` from now, time to fetch it. */
  #firstOnTarget(): number {
    const now = this.#clock.now();
    const zeroDue = this.#targetDue(0)!;
    return Math.max(0, Math.ceil((now + this.#o.startupLeadMs - zeroDue) / this.#o.chunkDurationMs));
  }

  /** Target latency: seats the playhead on `seq`, due the target after its time, and never sooner than `startupLeadMs` from now. */
  #seatOnTarget(seq: number): void {
    const now = this.#clock.now();
    this.#playhead.seat(seq, Math.max(now + this.#o.startupLeadMs, this.#targetDue(seq)!));
    this.#afterPlayheadMoved(now);
  }

  #afterPlayheadMoved(now: number): void {
    const playhead = this.#playhead.seq;
    this.#availability.setFloor(playhead, now);
    this.#held.deleteBelow(playhead);
    this.#announced.deleteBelow(playhead);
    this.#history.forgetBelow(playhead);
    const end = this.#windowEnd;
    for (const request of this.#requests.all()) {
      if (request.seq < playhead || request.seq > end) this.#cancel(request, 'out-of-window');
    }
    this.#armPlayout();
    this.#schedulePump();
  }

  #armPlayout(): void {
    this.#clock.clearTimeout(this.#playheadTimer);
    this.#playheadTimer = undefined;
    if (!this.#running) return;
    const waitEnds = this.#playhead.stalledUntil;
    if (waitEnds !== undefined) {
      this.#playheadTimer = this.#clock.setTimeout(() => this.#giveUpWait(), Math.max(0, waitEnds - this.#clock.now()));
      return;
    }
    if (this.#playhead.state !== 'playing') return;
    const delay = Math.max(0, this.#playhead.dueAt - this.#clock.now());
    this.#playheadTimer = this.#clock.setTimeout(() => this.#onPlayoutTick(), delay);
  }

  /**
   * The one play-out rule. Each chunk that has fallen due is played if held. If not: a
   * finished stream stalls on it; a live stream skips it (`missed`, with its cause) — except
   * that play pauses and starts again `startupDelayMs` later (`rebuffered`) before anything
   * has played (from the first chunk held from there on), and when no peer has announced the
   * chunk yet (play-out caught up with a source that fell behind its own clock), unless the
   * stream is known to have ended.
   */
  #onPlayoutTick(): void {
    this.#playheadTimer = undefined;
    const now = this.#clock.now();
    const playhead = this.#playhead;
    for (let seq = playhead.due(now); seq !== undefined && !this.#closed; seq = playhead.due(now)) {
      const { dueAt } = playhead;
      if (this.#pastTheEnd(seq)) {
        this.#endPlayout();
        break;
      }
      if (this.#held.has(seq)) {
        this.#counters.played += 1;
        playhead.pass();
        if (trace.enabled) trace('chunk %d: played', seq);
        this.emit('played', { seq, dueAt });
        if (this.#o.live) {
          this.#followSource(seq);
          this.#catchUp(now);
        }
        continue;
      }
      if (!this.#o.live) {
        playhead.stall();
        if (trace.enabled) trace('chunk %d: not held when due; waiting for it', seq);
        this.emit('stalled', { seq, dueAt });
        break;
      }
      const resume = this.#rebufferAt(seq);
      if (resume !== undefined) {
        this.#counters.rebuffered += 1;
        if (this.#o.targetLatencyMs === undefined) this.#seat(resume);
        else {
          // Nobody announced it by now: the source runs behind the estimate, which moves to match.
          if (seq > this.#edge) this.#edgeClock.notBefore(seq, now);
          this.#seatOnTarget(resume);
        }
        if (trace.enabled) trace('chunk %d: not held when due; play pauses and starts again at chunk %d in %d ms', seq, resume, playhead.dueAt - now);
        this.emit('rebuffered', { seq, dueAt, resume });
        return;
      }
      if (this.#waitFor(dueAt, now)) {
        this.#counters.rebuffered += 1;
        if (trace.enabled) trace('chunk %d: not held when due; play pauses for it until %d ms from now (latency held %d ms)', seq, playhead.stalledUntil! - now, this.#latencyMs);
        this.emit('rebuffered', { seq, dueAt, resume: seq });
        break;
      }
      this.#skip(seq, dueAt);
      playhead.pass();
    }
    if (this.#closed) return;
    // A live stream that ended ends the moment its last chunk is passed, not a chunk duration later.
    if (this.#o.live && playhead.state === 'playing' && this.#pastTheEnd(playhead.seq)) this.#endPlayout();
    if (!this.#closed) this.#afterPlayheadMoved(now);
  }

  /** Live: the chunks after `seq`, just played, fall due later when the publisher cut it late (`Playhead#followSource`). */
  #followSource(seq: number): void {
    const ts = this.#o.cutTimeOf?.(seq);
    if (ts === undefined) return;
    // At most the time a viewer is seated ahead of the edge: a source later than that would have made play-out rebuffer.
    const maxDelayMs = this.#o.targetLatencyMs ?? this.#o.liveOffsetMs + this.#o.startupDelayMs;
    const delay = this.#playhead.followSource(seq, ts, maxDelayMs);
    if (delay === 0) return;
    const next = seq + 1;
    // Target latency: the source's chunks now come that much later than the estimate said.
    if (this.#o.targetLatencyMs !== undefined && this.#edgeClock.known) this.#edgeClock.notBefore(next, this.#edgeClock.timeOf(next)! + delay);
    if (trace.enabled) trace('chunk %d: cut %d ms late at the source; chunks after it fall due as much later', seq, delay);
  }

  /**
   * Target latency: the playhead chunk, due at `dueAt`, is not held. While the latency held can
   * still grow (`maxLatencyMs`), play pauses for it rather than skip it; the time it waits is
   * added to the latency held. Not once the stream is known to have ended. Returns whether it waits.
   */
  #waitFor(dueAt: number, now: number): boolean {
    const latency = this.#latencyMs;
    if (latency === undefined || this.#last !== undefined) return false;
    const waitEnds = dueAt + this.#o.maxLatencyMs - latency;
    if (waitEnds <= now) return false;
    this.#playhead.stall(waitEnds);
    return true;
  }

  /** Target latency: the wait for the playhead chunk ran out of room. It is skipped, and play goes on at the most latency allowed. */
  #giveUpWait(): void {
    this.#playheadTimer = undefined;
    const { seq, dueAt } = this.#playhead;
    const now = this.#clock.now();
    this.#latencyMs = this.#o.maxLatencyMs;
    this.#lastWaitAt = now;
    this.#skip(seq, dueAt);
    this.#seatOnTarget(seq + 1);
  }

  /**
   * Target latency, fallen back: once nothing was waited for in `CATCH_UP_QUIET_MS`, each chunk
   * played brings the rest `CATCH_UP_RATE` of a chunk sooner, down to the target: play at 1.05×.
   */
  #catchUp(now: number): void {
    const latency = this.#latencyMs;
    const target = this.#o.targetLatencyMs;
    if (latency === undefined || target === undefined || latency <= target || now - this.#lastWaitAt < CATCH_UP_QUIET_MS) return;
    const step = Math.min(latency - target, this.#o.chunkDurationMs * CATCH_UP_RATE);
    this.#latencyMs = latency - step;
    this.#playhead.advance(step);
  }

  /** Whether `seq` lies past the last chunk: a finished stream's edge, or the end a live one was told. */
  #pastTheEnd(seq: number): boolean {
    if (this.#last !== undefined && seq > this.#last) return true;
    return !this.#o.live && this.#edge >= 0 && seq > this.#edge;
  }

  #endPlayout(): void {
    this.#playhead.end();
    this.#clock.clearTimeout(this.#playheadTimer);
    this.#playheadTimer = undefined;
    if (trace.enabled) trace('chunk %d: past the last chunk; play-out ended', this.#playhead.seq);
    this.emit('ended');
  }

  /** Where live play starts again instead of skipping `seq`, or undefined to skip it. */
  #rebufferAt(seq: number): number | undefined {
    if (this.#last !== undefined) return undefined;
    if (this.#counters.played === 0) {
      for (const held of this.#held.values(seq, this.#edge + 1)) return held;
      return seq;
    }
    return seq > this.#edge ? seq : undefined;
  }

  #skip(seq: number, dueAt: number): void {
    const asked = this.#requests.forSeq(seq).map((request) => request.peer);
    const holders = [...this.#availability.peers()].filter((peer) => this.#availability.peerHas(peer, seq));
    const { cause, peers } = skipCause({ asked, last: this.#history.last(seq), announced: this.#announced.has(seq), holders });
    this.#counters.missed += 1;
    this.#missedByCause[cause] += 1;
    for (const request of [...this.#requests.forSeq(seq)]) this.#cancel(request, 'missed');
    if (trace.enabled) trace('chunk %d: skipped (%s%s)', seq, cause, peers.length > 0 ? `: ${peers.join(', ')}` : '');
    if (trace.enabled && cause === 'held-back') this.#traceHeldBack(seq, dueAt, holders);
    this.emit('missed', { seq, dueAt, cause, peers });
  }

  /** Why nobody was asked for a held chunk: for each holder, whether it rested, had no free slot, or was expected too late. */
  #traceHeldBack(seq: number, dueAt: number, holders: readonly string[]): void {
    const now = this.#clock.now();
    const seen = this.#availability.firstSeenAt(seq);
    const why = holders.map((peer) => {
      const entry = this.#peers.get(peer);
      if (!entry) return `${peer} gone`;
      const rest = entry.stats.backoffUntil - now;
      const resting = rest > 0 ? `resting ${Math.round(rest)} ms, ` : '';
      return `${peer} (${resting}${entry.queue.pending} in flight, expected in ${Math.round(this.#view.expectedMs(peer))} ms)`;
    });
    const heard = seen === undefined ? '' : `, first heard of ${Math.round(dueAt - seen)} ms before it was due`;
    trace('chunk %d: held by %s; %d requests in flight%s', seq, why.join(', '), this.#requests.size, heard);
  }

  #resumeIfAwaited(seq: number): void {
    if (this.#playhead.state !== 'stalled' || this.#playhead.seq !== seq) return;
    const now = this.#clock.now();
    // Live: the wait is latency held from now on, so that the chunks after it have as long to come.
    if (this.#playhead.stalledUntil !== undefined && this.#latencyMs !== undefined) {
      this.#latencyMs = Math.min(this.#o.maxLatencyMs, this.#latencyMs + Math.max(0, now - this.#playhead.dueAt));
      this.#lastWaitAt = now;
      if (trace.enabled) trace('chunk %d: came after a wait of %d ms; latency held now %d ms', seq, now - this.#playhead.dueAt, this.#latencyMs);
    }
    this.#playhead.resume(now);
    this.#armPlayout();
  }

  // ---- requests ----

  /** Whether a new holder of `seq` can change a decision: the chunk is wanted and not yet asked, or its request is late. */
  #worthAPump(seq: number): boolean {
    if (!this.#running || this.#playhead.state === 'waiting' || this.#held.has(seq)) return false;
    if (seq < this.#playhead.seq || seq > this.#windowEnd) return false;
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
    if (!this.#running || this.#requestsPaused || this.#playhead.state === 'waiting' || this.#playhead.state === 'ended') return;
    const view = this.#view;
    // One reading of the clock for the whole round: nothing in it waits.
    const now = this.#clock.now();
    view.invalidate(now);
    while (this.#global.pending < this.#o.maxInFlight) {
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
    if (!Number.isSafeInteger(seq) || seq < this.#playhead.seq || seq > this.#windowEnd) return 'outside the wanted window';
    if (this.#held.has(seq)) return 'already held';
    const entry = this.#peers.get(peer);
    if (!entry || !this.#availability.peerHas(peer, seq)) return 'the peer has not announced it';
    if (entry.queue.pending >= this.#o.maxInFlightPerPeer) return 'the peer is at its in-flight limit';
    if (entry.stats.backoffUntil > now) return 'the peer is resting after failures';
    const asked = this.#requests.forSeq(seq);
    if (asked.length === 0) return undefined;
    if (replace) return asked.length === 1 && asked[0]!.peer !== peer ? undefined : 'nothing to replace, or the same peer';
    if (asked.length > 1) return 'two requests are already in flight';
    if (asked[0]!.peer === peer) return 'already asked of this peer';
    if (this.#playhead.deadline(seq, now) - now > this.#o.duplicateLeadMs) {
      return 'in flight and not close enough to its deadline for a second request';
    }
    return undefined;
  }

  #dispatch(seq: number, peer: string, now: number): void {
    const entry = this.#peers.get(peer)!;
    const duplicate = this.#requests.forSeq(seq).length > 0;
    const aheadBytes = this.#queuedBytes(peer);
    const timeoutMs = entry.stats.timeoutMs(aheadBytes, this.#o.initialTimeoutMs, this.#o.timeoutFloorMs, this.#o.timeoutCeilingMs);
    const deadline = this.#playhead.deadline(seq, now);
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
    // The outcome is booked inside the task, so the slot frees (and the next round runs) only
    // after the books know it; an abort frees it at once, whenever the fetch itself settles.
    const task = () =>
      fetch(peer, seq, { signal }).then(
        (bytes) => this.#onDelivered(request, bytes),
        (error: unknown) => this.#onFailed(request, error),
      );
    entry.queue
      .add(() => this.#global.add(task, { signal }), { signal })
      .catch((error: unknown) => {
        if (error !== signal.reason) throw error;
      });
    if (trace.enabled) trace('chunk %d: asked of %s%s, timeout %d ms, due in %d ms', seq, peer, duplicate ? ' (second request)' : '', timeoutMs, deadline - now);
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
    const stale = this.#held.has(seq) || (this.#playhead.state !== 'waiting' && seq < this.#playhead.seq);
    // Given up before its chunk came (timed out, asked elsewhere, cancelled as it arrived): a fetch may
    // deliver all the same what the peer had already sent. Still wanted, it counts; else its bytes came for nothing.
    const givenUp = !this.#finish(request);
    if (givenUp && (stale || this.#closed)) {
      if (!this.#closed) this.#duplicated(seq, peer, bytes);
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
      // A request that replaced one given up was not slow: the chunk it was asked for came early.
      for (const other of [...this.#requests.forSeq(seq)]) this.#cancel(other, 'duplicate', { unanswered: !givenUp });
      if (trace.enabled) trace('chunk %d: delivered by %s after %d ms', seq, peer, now - request.startedAt);
      this.emit('delivered', { seq, peer, bytes, ms: now - request.startedAt });
      this.#resumeIfAwaited(seq);
    }
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
    this.#history.record(seq, peer, refusal === 'busy' ? 'refused-busy' : 'other');
    if (trace.enabled) trace('chunk %d: %s %s', seq, peer, refusal ? `refused it (${refusal})` : `failed: ${String((error as Error)?.message ?? error)}`);
    this.emit('failed', { seq, peer, error });
  }

  #onTimeout(request: Request): void {
    if (!this.#finish(request)) return;
    const afterMs = this.#clock.now() - request.startedAt;
    this.#counters.timedOut += 1;
    this.#recordFailure(request);
    this.#history.record(request.seq, request.peer, 'timed-out');
    request.controller.abort(new RequestTimeoutError(request.peer, request.seq, afterMs));
    if (trace.enabled) trace('chunk %d: %s timed out after %d ms; it may be asked again', request.seq, request.peer, afterMs);
    this.emit('timedOut', { seq: request.seq, peer: request.peer, afterMs });
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

  /** `unanswered: false`: the wait says nothing of the peer's speed (see #onDelivered). */
  #cancel(request: Request, reason: CancelReason, { unanswered = true } = {}): void {
    if (!this.#finish(request)) return;
    this.#counters.cancelled += 1;
    if (unanswered && (reason === 'missed' || reason === 'duplicate' || reason === 'rerouted')) {
      const now = this.#clock.now();
      this.#peers.get(request.peer)?.stats.recordUnanswered(now, now - request.startedAt);
    }
    if (reason === 'rerouted' || reason === 'peer-removed') this.#history.record(request.seq, request.peer, 'other');
    request.controller.abort(new RequestCancelledError(request.peer, request.seq, reason));
    if (trace.enabled) trace('chunk %d: request to %s cancelled (%s)', request.seq, request.peer, reason);
    this.emit('cancelled', { seq: request.seq, peer: request.peer, reason });
  }

  /** Whether `peer` may be asked at `now`: it has a free slot and is not resting after failures. */
  #isOpen(peer: string, now: number): boolean {
    const entry = this.#peers.get(peer);
    if (!entry || entry.stats.backoffUntil > now) return false;
    return entry.queue.pending < this.#o.maxInFlightPerPeer;
  }

  #queuedBytes(peer: string): number {
    return (this.#peers.get(peer)?.queue.pending ?? 0) * this.#chunkBytes;
  }

  /**
   * A p-queue that runs fetches, `concurrency` at a time. The scheduler only dispatches while
   * it has a free slot, so nothing ever waits in it; a slot frees a few microtasks after its
   * fetch settled or was aborted. A peer's queue frees its slot after the global one (its task
   * waits on the global task), so a round of decisions runs then (`onFree`).
   */
  #queue(concurrency: number, onFree?: () => void): PQueue {
    const queue = new PQueue({ concurrency });
    if (onFree) queue.on('next', onFree);
    return queue;
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
    const playhead = this.#playhead;
    const edge = () => this.#edge;
    const windowEnd = () => this.#windowEnd;
    const peers = this.#peers;
    return {
      live: o.live,
      get playhead() {
        return playhead.seq;
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
      selfId: o.selfId,
      get chunkDurationMs() {
        return playhead.chunkDurationMs;
      },
      urgentWindowMs: o.urgentWindowMs,
      duplicateLeadMs: o.duplicateLeadMs,
      maxCandidates: o.maxCandidates,
      estimateHalfLifeMs: o.estimateHalfLifeMs,
      held: this.#held,
      availability: this.#availability,
      rarity: this.#rarity,
      requests: this.#requests,
      openPeers: (now) => [...this.#peers.keys()].filter((peer) => this.#isOpen(peer, now)),
      peers: () => [...this.#peers.keys()],
      isOpen: (peer, now) => this.#isOpen(peer, now),
      stats: (peer) => this.#peers.get(peer)?.stats,
      queuedBytes: (peer) => this.#queuedBytes(peer),
      deadline: (seq, now) => this.#playhead.deadline(seq, now),
      random: o.random,
      wakeAt: (time) => this.#wake(time),
    };
  }
}
