/**
 * Every default of the peer client in one place. Each has an option; these are
 * the values used when it is left out. Times are in milliseconds.
 */

/**
 * A live chunk whose signed `ts` is further than this from the viewer's clock is
 * refused as bad: chunks are kept for about a minute, so anything older is a
 * replay, and this leaves minutes for clocks that disagree (`--max-chunk-skew`).
 */
export const DEFAULT_MAX_CHUNK_SKEW_MS = 5 * 60_000;

/** Peers fetched from at once (`--max-peers`). */
export const DEFAULT_MAX_PEERS = 20;

/** While short of peers, central is asked again this often. */
export const DEFAULT_RELOOKUP_MS = 3_000;

/**
 * A viewer with fewer peers than `FEW_PEERS` asks central this often instead, in
 * its first `FEW_PEERS_LOOKUPS_FOR_MS`. Viewers started together find none of each
 * other in their first look-up (none has announced yet), and at 3 s a finished
 * stream is mostly fetched, from the publisher alone, before they meet. Neither
 * these look-ups nor the publisher's super-seeding alone kept four viewers of a
 * 64 MiB stream from making it send 2–3 copies; together they gave 1.04–1.12
 * (npm run bench:vod, see the README).
 */
export const DEFAULT_FEW_PEERS_RELOOKUP_MS = 300;

/**
 * Fewer peers than this count as few: the publisher and a couple of viewers. A
 * viewer in a bigger swarm gets more from its first look-up, so it never asks fast.
 */
export const FEW_PEERS = 4;

/**
 * Fast look-ups stop this long after the first one, however few peers there are: a
 * small swarm stays small, and then central would be asked three times a second
 * for as long as it is watched. The startup rush is what they are for.
 */
export const FEW_PEERS_LOOKUPS_FOR_MS = 10_000;

/** Central is never asked more often than this when peers leave, however many leave at once. */
export const MIN_LOOKUP_INTERVAL_MS = 1_000;

/** Time to connect to a peer, exchange `hello` and get its buffer map. */
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000;

/** A peer that could not be reached, or failed, is not dialed again for this long. */
export const DEFAULT_REDIAL_BACKOFF_MS = 10_000;

/**
 * A connection that has sent nothing for this long re-joins (a fresh buffer map),
 * so neither side's idle timeout, which counts only received bytes, closes it.
 */
export const DEFAULT_KEEPALIVE_MS = 30_000;

/** Time a peer has to answer a chunk request before the connection gives up (the scheduler's own timeouts come first). */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

/**
 * Pace of the scheduler's playhead over a finished stream, in ms per MiB of its chunks:
 * a chunk moves it by its size times this (100 ms for a 64 KiB chunk, 400 ms for 256 KiB),
 * so the urgent window covers the same bytes whatever chunk size the publisher chose.
 * Play-out itself writes each chunk as soon as the ones before it are written; this
 * only sets which chunks count as urgent.
 */
export const DEFAULT_FINISHED_MS_PER_MIB = 1600;

/**
 * Two peers that dialed each other keep one of the two connections; the other stays open this long after the
 * side that dialed it stops fetching over it, so the peer's fetching over it moves off first (its own dial
 * lands about one trip later) and no request in flight is cut.
 */
export const SECOND_CONNECTION_GRACE_MS = 2_000;

/** `have`s of a peer kept while its buffer map is on its way; more are dropped (the next map restores them). */
export const MAX_PENDING_HAVES = 4096;

/** Dial failures remembered per address (the oldest is forgotten beyond this). */
export const MAX_REMEMBERED_FAILURES = 4096;

/** A failed first announce at central is tried again after this long, at the next chunk. */
export const ANNOUNCE_RETRY_MS = 5_000;

/** Per-peer download rates in `snapshot()` cover this much recent time. */
export const DEFAULT_RATE_WINDOW_MS = 3_000;

/** Bytes `readable()` holds for its reader before a finished stream's play-out waits. */
export const DEFAULT_READABLE_HIGH_WATER_MARK = 1024 * 1024;

/** Bytes a live `readable()` holds for a reader that fell behind before it drops whole chunks. */
export const DEFAULT_READABLE_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Chunks `snapshot()` pictures at most (a live window's worth). */
export const DEFAULT_SNAPSHOT_CHUNKS = 120;

/** A page reports how watching goes (continuity, lag, bytes) to central this often, for central's status page and metrics. */
export const DEFAULT_REPORT_INTERVAL_MS = 5_000;
