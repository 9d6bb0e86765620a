/** Every default of the scheduler in one place; each is an option of `SchedulerOptions`. */

/** Play time of one chunk (the publisher cuts a chunk every 500 ms by default). */
export const DEFAULT_CHUNK_DURATION_MS = 500;
/** Chunks due within this window are urgent: earliest deadline first, to the fastest peer. */
export const DEFAULT_URGENT_WINDOW_MS = 3000;
/** Live: how far past the playhead chunks are wanted. */
export const DEFAULT_LOOK_AHEAD_MS = 60_000;
/** Time from seating the playhead to the first chunk being due, for the first chunks to arrive. */
export const DEFAULT_STARTUP_DELAY_MS = 2000;
/** Target latency: the least time from seating the playhead to its chunk being due, to fetch the first chunk. */
export const DEFAULT_STARTUP_LEAD_MS = 500;
/**
 * Target latency: the most latency play-out falls back to when chunks come too late for the
 * target (today's lag with the live offset and the start-up delay).
 */
export const DEFAULT_MAX_LATENCY_MS = 6000;
/** Target latency, fallen back: play-out catches up only after this long without waiting for a chunk. */
export const CATCH_UP_QUIET_MS = 10_000;
/** Target latency, fallen back: each chunk played while catching up falls due this share of a chunk sooner (play at 1.05×). */
export const CATCH_UP_RATE = 0.05;
/** Live: how far behind the newest chunk the playhead is seated when `start()` picks the start point. */
export const DEFAULT_LIVE_OFFSET_MS = 4000;
/** Requests in flight in total. */
export const DEFAULT_MAX_IN_FLIGHT = 32;
/** Requests in flight to one peer (pipelining hides the round trip; more only queues at the peer). */
export const DEFAULT_MAX_IN_FLIGHT_PER_PEER = 4;
/** Timeout of a request to a peer not yet measured. */
export const DEFAULT_INITIAL_TIMEOUT_MS = 4000;
/** Adaptive timeouts are never shorter than this. */
export const DEFAULT_TIMEOUT_FLOOR_MS = 500;
/** Adaptive timeouts are never longer than this. */
export const DEFAULT_TIMEOUT_CEILING_MS = 10_000;
/** Rest after a peer's first failure; doubles with each consecutive failure. */
export const DEFAULT_BACKOFF_FLOOR_MS = 1000;
/** Longest rest after failures. */
export const DEFAULT_BACKOFF_CEILING_MS = 30_000;
/** A peer that answered `busy` (all its upload slots taken) is left alone this long. */
export const DEFAULT_BUSY_REST_MS = 500;
/** Consecutive failures after which `peerFailing` is emitted. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 3;
/** An urgent chunk may be asked of a second peer once its deadline is this close. */
export const DEFAULT_DUPLICATE_LEAD_MS = 1500;
/** Expected chunk size until deliveries say otherwise (the publisher's default cut). */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** A peer's pessimistic estimate fades with this half-life while the peer goes unused, so it is tried again. */
export const DEFAULT_ESTIMATE_HALF_LIFE_MS = 10_000;
/** Span of chunk numbers remembered per buffer map (2^17 chunks: 18 hours at 500 ms). */
export const DEFAULT_MAX_TRACKED_CHUNKS = 1 << 17;
/** Wanted chunks a strategy considers per decision (bounds the work on long finished streams). */
export const DEFAULT_MAX_CANDIDATES = 1024;
