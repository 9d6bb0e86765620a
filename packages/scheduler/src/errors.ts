/** Stable codes for every error this package throws or reports. */
export type SchedulerErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_PICK'
  | 'REQUEST_TIMEOUT'
  | 'REQUEST_CANCELLED'
  | 'CHUNK_REFUSED'
  | 'SCHEDULER_CLOSED';

/** Base of every error this package throws or reports; `code` is stable, `message` says what to do. */
export class SchedulerError extends Error {
  readonly code: SchedulerErrorCode;
  constructor(code: SchedulerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A method was called with a value it cannot use (a negative seq, a malformed buffer map, a bad option). */
export class InvalidArgumentError extends SchedulerError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * A strategy asked for a request the scheduler will not make (a peer that has not announced the chunk,
 * a peer or the scheduler at its limit, a second request for a chunk that is not eligible for one).
 * Reported through the `error` event: it is a bug in the strategy, not in the network.
 */
export class InvalidPickError extends SchedulerError {
  constructor(message: string) {
    super('INVALID_PICK', message);
  }
}

/** The reason a request's signal is aborted when the peer took longer than the adaptive timeout. */
export class RequestTimeoutError extends SchedulerError {
  readonly peer: string;
  readonly seq: number;
  readonly afterMs: number;
  constructor(peer: string, seq: number, afterMs: number) {
    super('REQUEST_TIMEOUT', `peer ${peer} did not deliver chunk ${seq} within ${Math.round(afterMs)} ms; asking another peer`);
    this.peer = peer;
    this.seq = seq;
    this.afterMs = afterMs;
  }
}

/** Why a request was cancelled by the scheduler itself (not a failure of the peer). */
export type CancelReason = 'duplicate' | 'rerouted' | 'held' | 'missed' | 'out-of-window' | 'peer-removed' | 'closed';

/** The reason a request's signal is aborted when the scheduler no longer needs the answer. */
export class RequestCancelledError extends SchedulerError {
  readonly reason: CancelReason;
  constructor(peer: string, seq: number, reason: CancelReason) {
    super('REQUEST_CANCELLED', `request for chunk ${seq} from peer ${peer} cancelled (${reason})`);
    this.reason = reason;
  }
}

/** Why a peer refused a request (its `reject { seq, reason }`). */
export type RefusalReason = 'not-held' | 'outside-window' | 'busy';

/**
 * What the fetch callback should reject with when the peer answered `reject`: the scheduler then
 * knows the peer is not failing. `not-held`/`outside-window`: the peer is not asked for that chunk
 * again unless it announces it again. `busy`: the peer rests for `busyRestMs`.
 */
export class ChunkRefusedError extends SchedulerError {
  readonly peer: string;
  readonly seq: number;
  readonly reason: RefusalReason;
  constructor(peer: string, seq: number, reason: RefusalReason) {
    super('CHUNK_REFUSED', `peer ${peer} refused chunk ${seq} (${reason})`);
    this.peer = peer;
    this.seq = seq;
    this.reason = reason;
  }
}

/** A method that changes the schedule was called after `close()`. */
export class SchedulerClosedError extends SchedulerError {
  constructor(cause?: unknown) {
    super('SCHEDULER_CLOSED', 'the scheduler is closed; create a new one to schedule again', { cause });
  }
}
