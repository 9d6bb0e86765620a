import { monotonicClock, type Clock } from '@p2pstream/units';
import * as d from './constants.js';
import { InvalidArgumentError } from './errors.js';
import type { Strategy } from './strategy.js';
import { rarestFirst } from './strategies/rarest-first.js';

/**
 * Asks `peer` for chunk `seq`. Resolves once the chunk was delivered and verified (optionally
 * with its size in bytes, used for throughput estimates); rejects when the peer failed or
 * refused. Must stop and reject when `signal` aborts (its `reason` says why).
 */
export type FetchChunk = (peer: string, seq: number, options: { signal: AbortSignal }) => Promise<number | void>;

export interface SchedulerOptions {
  /** Fetches one chunk from one peer; supplied by the peer-client. */
  fetch: FetchChunk;
  /** @default monotonicClock (performance.now and the global timers) */
  clock?: Clock;
  /** @default rarestFirst() */
  strategy?: Strategy;
  /** Live streams give up chunks past their deadline; finished streams wait for every chunk. @default true */
  live?: boolean;
  /** @default 500 */
  chunkDurationMs?: number;
  /** @default 3000 */
  urgentWindowMs?: number;
  /** Live only: chunks further than this past the playhead are not wanted yet. @default 60000 */
  lookAheadMs?: number;
  /** Time from seating the playhead to the first chunk being due. @default 2000 */
  startupDelayMs?: number;
  /** Live: how far behind the edge `start()` seats the playhead when none was set. @default 4000 */
  liveOffsetMs?: number;
  /**
   * Live: play each chunk this long after it first could be heard of here (the fastest path's
   * announcement, estimated from every announcement on the publisher's chunk grid), instead of
   * `liveOffsetMs` behind the edge plus `startupDelayMs`; the playhead follows the estimate as it
   * improves. Unset: the offset and the start-up delay. @default undefined
   */
  targetLatencyMs?: number | undefined;
  /**
   * With `targetLatencyMs`: how far play-out may fall back when the swarm is too slow for the
   * target. A chunk not held when due is waited for (play pauses) rather than skipped while the
   * latency held stays within this, and the latency held grows by each wait; after
   * `CATCH_UP_QUIET_MS` without a wait, play-out catches up to the target at 1.05× the stream's
   * pace. At or below `targetLatencyMs`: no fallback, a late chunk is skipped. @default 6000
   */
  maxLatencyMs?: number;
  /** With `targetLatencyMs`: the first chunk played is the oldest one due at least this long after seating, time to fetch it. @default 500 */
  startupLeadMs?: number;
  /** @default 32 */
  maxInFlight?: number;
  /** @default 4 */
  maxInFlightPerPeer?: number;
  /** @default 4000 */
  initialTimeoutMs?: number;
  /** @default 500 */
  timeoutFloorMs?: number;
  /** @default 10000 */
  timeoutCeilingMs?: number;
  /** @default 1000 */
  backoffFloorMs?: number;
  /** @default 30000 */
  backoffCeilingMs?: number;
  /** A peer that answered `busy` is not asked again for this long (not counted as a failure). @default 500 */
  busyRestMs?: number;
  /** @default 3 */
  maxConsecutiveFailures?: number;
  /** @default 1500 */
  duplicateLeadMs?: number;
  /** @default 65536 */
  chunkBytes?: number;
  /** A peer's pessimistic estimate fades with this half-life while it goes unused. @default 10000 */
  estimateHalfLifeMs?: number;
  /** @default 131072 */
  maxTrackedChunks?: number;
  /** @default 1024 */
  maxCandidates?: number;
  /** Source of randomness for tie-breaks; pass a seeded one for reproducible runs. @default Math.random */
  random?: () => number;
  /**
   * The id the other viewers know this one by (its listening `host:port`, as peers' ids are). Given,
   * viewers take turns at asking an upstream peer (the publisher) for each fresh chunk at once,
   * rather than each drawing lots: see `rarestFirst`'s `promptFactor`. @default undefined
   */
  selfId?: string | undefined;
  /**
   * Live: when the publisher cut a chunk this viewer holds (its signed `ts`, on the publisher's
   * clock), or undefined. Given, play-out follows the publisher when it falls behind its chunk
   * grid (see `Playhead#followSource`). @default undefined
   */
  cutTimeOf?: ((seq: number) => number | undefined) | undefined;
  /** Aborting it closes the scheduler. */
  signal?: AbortSignal;
}

export type ResolvedOptions = Required<Omit<SchedulerOptions, 'signal' | 'targetLatencyMs' | 'selfId' | 'cutTimeOf'>> & {
  signal: AbortSignal | undefined;
  cutTimeOf: ((seq: number) => number | undefined) | undefined;
  targetLatencyMs: number | undefined;
  selfId: string | undefined;
};

function positive(name: string, value: number, integer = false): number {
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError(`option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`option ${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

/** Fills in every default and checks every value. */
export function resolveOptions(options: SchedulerOptions): ResolvedOptions {
  if (typeof options?.fetch !== 'function') throw new InvalidArgumentError('option fetch(peer, seq, { signal }) is required');
  const resolved: ResolvedOptions = {
    fetch: options.fetch,
    clock: options.clock ?? monotonicClock,
    strategy: options.strategy ?? rarestFirst(),
    live: options.live ?? true,
    chunkDurationMs: positive('chunkDurationMs', options.chunkDurationMs ?? d.DEFAULT_CHUNK_DURATION_MS),
    urgentWindowMs: nonNegative('urgentWindowMs', options.urgentWindowMs ?? d.DEFAULT_URGENT_WINDOW_MS),
    lookAheadMs: positive('lookAheadMs', options.lookAheadMs ?? d.DEFAULT_LOOK_AHEAD_MS),
    startupDelayMs: nonNegative('startupDelayMs', options.startupDelayMs ?? d.DEFAULT_STARTUP_DELAY_MS),
    liveOffsetMs: nonNegative('liveOffsetMs', options.liveOffsetMs ?? d.DEFAULT_LIVE_OFFSET_MS),
    targetLatencyMs: options.targetLatencyMs === undefined ? undefined : nonNegative('targetLatencyMs', options.targetLatencyMs),
    maxLatencyMs: nonNegative('maxLatencyMs', options.maxLatencyMs ?? d.DEFAULT_MAX_LATENCY_MS),
    startupLeadMs: nonNegative('startupLeadMs', options.startupLeadMs ?? d.DEFAULT_STARTUP_LEAD_MS),
    maxInFlight: positive('maxInFlight', options.maxInFlight ?? d.DEFAULT_MAX_IN_FLIGHT, true),
    maxInFlightPerPeer: positive('maxInFlightPerPeer', options.maxInFlightPerPeer ?? d.DEFAULT_MAX_IN_FLIGHT_PER_PEER, true),
    initialTimeoutMs: positive('initialTimeoutMs', options.initialTimeoutMs ?? d.DEFAULT_INITIAL_TIMEOUT_MS),
    timeoutFloorMs: positive('timeoutFloorMs', options.timeoutFloorMs ?? d.DEFAULT_TIMEOUT_FLOOR_MS),
    timeoutCeilingMs: positive('timeoutCeilingMs', options.timeoutCeilingMs ?? d.DEFAULT_TIMEOUT_CEILING_MS),
    backoffFloorMs: positive('backoffFloorMs', options.backoffFloorMs ?? d.DEFAULT_BACKOFF_FLOOR_MS),
    backoffCeilingMs: positive('backoffCeilingMs', options.backoffCeilingMs ?? d.DEFAULT_BACKOFF_CEILING_MS),
    busyRestMs: nonNegative('busyRestMs', options.busyRestMs ?? d.DEFAULT_BUSY_REST_MS),
    maxConsecutiveFailures: positive('maxConsecutiveFailures', options.maxConsecutiveFailures ?? d.DEFAULT_MAX_CONSECUTIVE_FAILURES, true),
    duplicateLeadMs: nonNegative('duplicateLeadMs', options.duplicateLeadMs ?? d.DEFAULT_DUPLICATE_LEAD_MS),
    chunkBytes: positive('chunkBytes', options.chunkBytes ?? d.DEFAULT_CHUNK_BYTES),
    estimateHalfLifeMs: positive('estimateHalfLifeMs', options.estimateHalfLifeMs ?? d.DEFAULT_ESTIMATE_HALF_LIFE_MS),
    maxTrackedChunks: positive('maxTrackedChunks', options.maxTrackedChunks ?? d.DEFAULT_MAX_TRACKED_CHUNKS, true),
    maxCandidates: positive('maxCandidates', options.maxCandidates ?? d.DEFAULT_MAX_CANDIDATES, true),
    random: options.random ?? Math.random,
    selfId: options.selfId,
    cutTimeOf: options.cutTimeOf,
    signal: options.signal,
  };
  if (resolved.timeoutFloorMs > resolved.timeoutCeilingMs) {
    throw new InvalidArgumentError(`timeoutFloorMs (${resolved.timeoutFloorMs}) exceeds timeoutCeilingMs (${resolved.timeoutCeilingMs})`);
  }
  if (resolved.backoffFloorMs > resolved.backoffCeilingMs) {
    throw new InvalidArgumentError(`backoffFloorMs (${resolved.backoffFloorMs}) exceeds backoffCeilingMs (${resolved.backoffCeilingMs})`);
  }
  return resolved;
}
