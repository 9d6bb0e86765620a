/**
 * Every default of the peer server in one place. Each has an option; these are
 * the values used when it is left out. Times are in milliseconds.
 */

/**
 * How long a publisher that stops waits for its signed end to reach the peers
 * joined to it before it disconnects them (what is still queued then is lost).
 */
export const END_FLUSH_MS = 2_000;

/** How often that wait looks whether the peers' queues are empty. */
export const END_FLUSH_POLL_MS = 20;

/** The original peer server's port; taken → the next free one. */
export const DEFAULT_PEER_PORT = 2050;

/** Every IPv4 interface, so peers on other machines can reach it. */
export const DEFAULT_PEER_HOST = '0.0.0.0';

/** Ports tried from the requested one upwards when it is taken (2050, 2051, … 2149). */
export const DEFAULT_PORT_ATTEMPTS = 100;

/** Peers served at once; the others are answered BUSY until a slot frees or rotates to them. */
export const DEFAULT_UPLOAD_SLOTS = 8;

/**
 * Peers joined to one stream here at once; more `join`s are refused with STREAM_FULL.
 * Without it, the peers that carry a stream first are dialed by nearly every later
 * viewer and the later ones by few, so much of the swarm's upload goes unused
 * (tools/bench/scheduler.ts: mean continuity 0.81 uncapped, 0.998 at 24, 100 viewers).
 */
export const DEFAULT_MAX_PEERS_PER_STREAM = 24;

/** A peer holding a slot this long gives it up to a peer that was turned away. */
export const DEFAULT_SLOT_ROTATE_MS = 10_000;

/** A peer that has asked for nothing for this long gives its slot up. */
export const DEFAULT_SLOT_IDLE_MS = 3_000;

/**
 * A peer waiting for a slot keeps its place in the queue while it asks again at
 * least this often (a viewer told BUSY rests 500 ms and asks again); one that
 * stopped asking does not hold a free slot back from the peers behind it.
 */
export const DEFAULT_SLOT_WAIT_MS = 1_000;

/**
 * A request whose answer would wait longer than this behind the bytes already
 * waiting to go out (at the rate they have been leaving) is answered BUSY at once,
 * so the asker fetches it elsewhere instead of timing out here. The kernel's
 * send buffers and the uplink's own queue (a home router's) come on top of it.
 * 1.5 s, as before the queue was measured: at 500 ms (what the shaped swarm runs
 * measured, `--max-upload-queue 500ms`) the 8-viewer CI swarm skipped chunks the
 * publisher refused BUSY on a loaded machine, and no gain of the shorter wait
 * itself was shown (tools/swarm/README.md).
 */
export const DEFAULT_MAX_QUEUE_DELAY_MS = 1_500;

/**
 * A live stream's publisher gives its newest chunks priority: a request for one of
 * the newest this many is admitted up to the whole `maxQueueDelayMs`, a request for an
 * older one (other peers hold it by now) only up to this share of it. The publisher's
 * uplink is what every chunk must pass first.
 */
export const PUBLISHER_FRESH_CHUNKS = 2;
export const PUBLISHER_OLDER_CHUNKS_QUEUE_SHARE = 0.25;
/**
 * An older chunk gets the lesser share only once the publisher has queued it for
 * this many addresses. A peer that fetches every chunk the moment it is announced
 * and serves nobody (a leech, or a liar whose copies the viewers reject) would
 * otherwise be the one holder of chunks the viewers must then get from the
 * publisher at a quarter of its queue: in the malicious-peer e2e test (a leech that
 * takes every chunk, three viewers, the publisher capped at 2×), every run had all
 * three viewers skip the same 1–4 chunks as BUSY without this, 2 of 5 runs one chunk with it.
 */
export const PUBLISHER_OLDER_CHUNK_RECIPIENTS = 2;

/**
 * How long a finished stream's source holds a chunk it sent to one peer back from the
 * others (super-seeding). Long enough for that peer to receive it and announce it
 * (milliseconds on a LAN, a few hundred for a 256 KiB chunk at 10 Mbit/s), short
 * enough that a viewer which reaches no other holder waits little for it. With
 * the viewers' fast look-ups, 1.5 s took four viewers of a 64 MiB stream from
 * 1.5–1.8 copies from the source to 1.04–1.12 (npm run bench:vod, see the
 * peer-client README).
 */
export const DEFAULT_SUPER_SEED_MS = 1_500;

/** How often the server measures how fast its answers leave and how many bytes wait. */
export const UPLOAD_SAMPLE_MS = 100;

/** Chunk requests of one peer queued here at once; more are answered BUSY. */
export const DEFAULT_MAX_QUEUED_PER_PEER = 16;

/**
 * `send()` reports no room past this many bytes per connection: a chunk answer
 * waits in this server's queue (where `cancel` can still drop it) rather than
 * in the socket's buffer. Lower than a plain connection's default (1 MiB in
 * @p2pstream/connection), hence its own name.
 */
export const DEFAULT_SERVING_SEND_HIGH_WATER_BYTES = 256 * 1024;

/** Bytes of a chunk frame besides its payload (header, seq, ts, sig), counted against the upload limit. */
export const CHUNK_ANSWER_OVERHEAD_BYTES = 128;
