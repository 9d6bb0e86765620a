/** Every default of the tracker client in one place; each has an option. Times in ms. */

/** The port central listens on when an address gives none (the original's port). */
export const DEFAULT_CENTRAL_PORT = 2045;

/** Time to connect to a central and exchange `hello`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** Time for central to answer one request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** First pause before trying to reach a central again, doubled after each failure. */
export const DEFAULT_MIN_BACKOFF_MS = 250;
/** Longest pause between attempts to reach a central. */
export const DEFAULT_MAX_BACKOFF_MS = 10_000;
/** A request every central answers REGISTRY_UNAVAILABLE (their Redis is down) is retried, with backoff, this long. */
export const DEFAULT_REGISTRY_RETRY_TIMEOUT_MS = 10_000;
/** While connected to another central, the preferred one is tried again this often. */
export const DEFAULT_RETURN_INTERVAL_MS = 30_000;
/**
 * A failed re-announce is tried again after a random fraction of the interval in
 * this range: a little more often than in steady state (0.9–1 of it), so an outage
 * costs the centrals about 1.3× normal running (tools/bench/tracker-outage.ts), and
 * at most 0.9 of it, leaving central's own reconnect to Redis room so that a
 * registry that comes back hears from every stream within one interval.
 */
export const LOOP_RETRY_SPREAD: readonly [number, number] = [0.6, 0.9];
/**
 * A viewer's announce central refuses with STREAM_NOT_FOUND is tried again this
 * many times on the reconnect backoff (capped at a quarter of the interval: about
 * one interval in all) before the loop falls back to LOOP_RETRY_SPREAD. After a
 * central restart the publisher reconnects on that same backoff and publishes
 * again, so the viewer is listed moments after it rather than most of an
 * interval later; a stream that really ended costs these few announces once.
 */
export const UNKNOWN_STREAM_QUICK_RETRIES = 8;
/** Backoff pauses are spread by ±this fraction, so clients of a restarted central do not return in step. */
export const BACKOFF_JITTER = 0.2;

/**
 * Re-announces come a random 0–this fraction earlier than the interval central
 * handed out (central spreads the interval itself too), never later, so the
 * entry is renewed well inside its TTL.
 */
export const ANNOUNCE_JITTER = 0.1;

/** Time `close()` gives each `leave` before closing anyway. */
export const LEAVE_ON_CLOSE_TIMEOUT_MS = 1_000;

/** Peers asked for by `lookup` when no count is given (the wire's maximum). */
export const DEFAULT_LOOKUP_COUNT = 50;
