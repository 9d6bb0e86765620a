import type { CancelReason, SchedulerError } from './errors.js';
import type { SkipCause } from './skip-causes.js';

export interface RequestedEvent {
  seq: number;
  peer: string;
  /** A deliberate second request for an urgent chunk already asked of another peer. */
  duplicate: boolean;
  /** The chunk was inside the urgent window when asked. */
  urgent: boolean;
  timeoutMs: number;
}

export interface DeliveredEvent {
  seq: number;
  peer: string;
  bytes: number;
  /** From request to delivery. */
  ms: number;
}

export interface TimedOutEvent {
  seq: number;
  peer: string;
  afterMs: number;
}

export interface FailedEvent {
  seq: number;
  peer: string;
  /** What the fetch callback rejected with. */
  error: unknown;
}

export interface CancelledEvent {
  seq: number;
  peer: string;
  reason: CancelReason;
}

/** A chunk arrived that was already held (the losing side of a second request, or `markHeld` raced it). */
export interface DuplicatedEvent {
  seq: number;
  peer: string;
  bytes: number;
}

export interface PlayoutEvent {
  seq: number;
  /** When the chunk was due on the scheduler's clock. */
  dueAt: number;
}

/** Live: the playhead passed a chunk that was not held, and play went on without it. */
export interface MissedEvent extends PlayoutEvent {
  /** Why it was not held (see `SkipCause`). */
  cause: SkipCause;
  /** Whom the cause concerns: the peers that timed out, refused busy, were still answering (`late`), or held it (`held-back`); none for `never-announced`. */
  peers: string[];
}

/**
 * Live: a chunk was not held when due and play pauses instead of skipping it, to start again at
 * `resume` `startupDelayMs` later — or, with a target latency that may still fall back, at the
 * chunk itself (`resume` is `seq`) as soon as it comes.
 */
export interface RebufferedEvent extends PlayoutEvent {
  resume: number;
}

export interface PeerFailingEvent {
  peer: string;
  consecutiveFailures: number;
}

/** Every event the scheduler emits, with its arguments. */
export interface SchedulerEvents {
  requested: [RequestedEvent];
  delivered: [DeliveredEvent];
  timedOut: [TimedOutEvent];
  failed: [FailedEvent];
  cancelled: [CancelledEvent];
  duplicated: [DuplicatedEvent];
  /** The playhead reached a held chunk: write it to the sink now. */
  played: [PlayoutEvent];
  /** Live: the playhead passed a chunk that did not arrive in time; it is never requested again. Carries the cause. */
  missed: [MissedEvent];
  /** Live: play pauses rather than skip (nothing played yet, no peer has the chunk yet, or a target latency may fall back) and starts again at `resume`. */
  rebuffered: [RebufferedEvent];
  /** Finished: the playhead waits for this chunk. */
  stalled: [PlayoutEvent];
  /** The playhead passed the last chunk: of a finished stream, or of a live one told its end (`finish`). */
  ended: [];
  /** A peer failed `maxConsecutiveFailures` times in a row; the client may drop it. */
  peerFailing: [PeerFailingEvent];
  /** A strategy made an illegal pick or threw. */
  error: [SchedulerError];
  close: [];
}

/** Counters since the scheduler was created. */
export interface SchedulerStats {
  requested: number;
  duplicateRequests: number;
  delivered: number;
  deliveredBytes: number;
  duplicated: number;
  duplicateBytes: number;
  timedOut: number;
  failed: number;
  cancelled: number;
  played: number;
  missed: number;
  /** Missed chunks by cause; every cause is present. */
  missedByCause: Record<SkipCause, number>;
  /** Times live play paused instead of skipping. */
  rebuffered: number;
  /** Requests waited on now. */
  inFlight: number;
}
