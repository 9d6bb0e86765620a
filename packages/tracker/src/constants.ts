/**
 * Every default of the tracker in one place. Each has an option (and a flag of
 * `p2pstream-central`); these are the values used when it is left out. Times
 * are in milliseconds.
 */

/** The original central server's port. */
export const DEFAULT_PORT = 2045;
/** Every IPv4 interface, so peers on other machines can reach it. */
export const DEFAULT_HOST = '0.0.0.0';

/** How often peers are told to re-announce (before jitter). */
export const DEFAULT_ANNOUNCE_INTERVAL_MS = 15_000;
/**
 * The announced interval is spread by ±this fraction, so peers that joined
 * together do not re-announce together forever.
 */
export const DEFAULT_INTERVAL_JITTER = 0.1;
/**
 * A peer that has not announced for this long is gone: by default 4/3 of the
 * interval (20 s for 15 s), a little more than the longest jittered interval
 * (16.5 s), with room for a slow round trip or a quick retry.
 */
export const PEER_TTL_PER_INTERVAL = 4 / 3;
/** A stream with no peers left stays in `list` this long (a publisher restarting, a short gap). */
export const DEFAULT_STREAM_GRACE_MS = 60_000;
/** How often expired peers and streams past their grace are removed from the registry. */
export const DEFAULT_SWEEP_INTERVAL_MS = 5_000;

/** A publish timestamp further than this from central's clock is refused (old or from the future). */
export const DEFAULT_PUBLISH_WINDOW_MS = 5 * 60_000;

/** Peers returned by one look-up at most (the wire allows 50). */
export const DEFAULT_MAX_LOOKUP_PEERS = 50;
/**
 * Peers within this many chunks of the newest edge a look-up sees count as
 * "near the live edge" and are offered first (20 chunks ≈ 10 s at 500 ms chunks).
 */
export const DEFAULT_NEAR_EDGE_CHUNKS = 20;
/** Live entries the registry hands to the sampler per look-up, at most. */
export const DEFAULT_LOOKUP_CANDIDATES = 256;

/**
 * An announce without a signature (a viewer's) may be clipped to a stream head
 * this central read from the registry up to this long ago (`headCacheAge`; 0: always read); a TTL under 10 s makes it a tenth of the TTL.
 */
export const DEFAULT_HEAD_CACHE_AGE_MS = 1_000;
/** Stream heads one central keeps for unsigned announces at most. */
export const HEAD_CACHE_SIZE = 100_000;

/** Announces per second one IP address may send on average (every connection from it together). */
export const DEFAULT_ANNOUNCE_RATE_PER_IP = 20;
/** One IP address may send this many seconds' worth of its announce rate at once. */
export const ANNOUNCE_BURST_SECONDS = 5;
/** Distinct stream names and ids one IP address may publish or announce within the quota window. */
export const DEFAULT_MAX_STREAMS_PER_IP = 100;
/** Entries (ports) one IP address may hold in one stream's list at once (`--max-entries-per-ip`). */
export const DEFAULT_MAX_ENTRIES_PER_IP = 4;
/** The window over which distinct streams per IP are counted. */
export const DEFAULT_STREAM_QUOTA_WINDOW_MS = 60 * 60_000;

/** Signals per second one connection may send on average (`--signal-rate`): a WebRTC set-up is an offer, an answer and a few candidates. */
export const DEFAULT_SIGNAL_RATE_PER_CONNECTION = 20;
/** One connection may send this many seconds' worth of its signal rate at once (a browser setting up several peers together). */
export const SIGNAL_BURST_SECONDS = 5;
/** How long a signal for an entry held by another central waits for that central to say it handed it on. */
export const DEFAULT_CROSS_CENTRAL_REPLY_TIMEOUT_MS = 2_000;

/**
 * Central dials a peer back at its announced port once per connection and port, to
 * learn whether others can dial it (`--dial-back-timeout`; 0 turns it off): a NAT drops
 * the attempt, so only this timeout ends it.
 */
export const DEFAULT_DIAL_BACK_TIMEOUT_MS = 2_000;
/** Dial-backs in flight at once (`--max-dial-backs`); more announces wait for their next interval. */
export const DEFAULT_MAX_DIAL_BACKS = 32;

/** QoE reports per second one connection may send on average (`--report-rate`): a watch page reports every few seconds. */
export const DEFAULT_REPORT_RATE_PER_CONNECTION = 1;
/** One connection may send this many seconds' worth of its report rate at once. */
export const REPORT_BURST_SECONDS = 5;

/** Connections central holds at once, and from one IP address. */
export const DEFAULT_TRACKER_MAX_CONNECTIONS = 4096;
export const DEFAULT_TRACKER_MAX_CONNECTIONS_PER_IP = 64;

/** Key prefix of everything central writes to Redis. */
export const DEFAULT_REDIS_PREFIX = 'p2pstream:';
/** A Redis command that gets no answer in this time fails (central answers REGISTRY_UNAVAILABLE). */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Time allowed to reach Redis at start-up before central gives up with an error. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 3_000;
/**
 * Longest pause between attempts to reach Redis again after it went away: short,
 * because peers retry within an interval and expect a returned Redis to be in use
 * by then (one connect attempt every half second costs Redis nothing).
 */
export const REDIS_MAX_RECONNECT_DELAY_MS = 500;
/** Stream name → id bindings a Redis registry remembers (they never change once made), saving a round trip per look-up. */
export const REDIS_NAME_CACHE_SIZE = 10_000;
/** Streams one sweep step of a Redis registry looks at. */
export const REDIS_SWEEP_BATCH = 100;
/** Sweep steps per sweep call at most: the rest wait for the next call (look-ups still prune their own stream). */
export const REDIS_SWEEP_BATCHES = 20;
/** A Redis registry's sweep looks at one stream at most once in this time: expired entries leave `counts` within about it. */
export const DEFAULT_REDIS_SWEEP_GAP_MS = 30_000;
/** A stream one central is sweeping is left alone by the others this long. */
export const REDIS_SWEEP_LEASE_MS = 30_000;
