import type { CancelReason, SchedulerError } from './errors.js';

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
  /** Live: the playhead passed a chunk that did not arrive in time; it is never requested again. */
  missed: [PlayoutEvent];
  /** Finished: the playhead waits for this chunk. */
  stalled: [PlayoutEvent];
  /** Finished: the playhead passed the last chunk. */
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
  inFlight: number;
}
