/**
 * Every default, limit and format constant of this package in one place.
 * Other packages import these instead of repeating numbers.
 */

/** Bytes of a chunk at most when the chunker cuts on size (64 KiB). */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * Largest chunk the chunker will make (1 MiB): the wire refuses bigger chunk
 * payloads by default, so a bigger chunk could never be shared.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Milliseconds a byte may wait in the chunker before its chunk is cut. */
export const DEFAULT_CHUNK_MS = 500;

/** Chunks a live window holds: 60 s of 500 ms chunks. */
export const DEFAULT_WINDOW_CAPACITY = 120;

/** Bytes of one MPEG-TS packet. */
export const TS_PACKET_BYTES = 188;

/** First byte of every MPEG-TS packet. */
export const TS_SYNC_BYTE = 0x47;

/** Ticks per millisecond of the 27 MHz MPEG-TS program clock reference. */
export const PCR_TICKS_PER_MS = 27_000;

/** The PCR wraps at 2^33 ticks of its 90 kHz base, times 300 for the 27 MHz extension. */
export const PCR_WRAP_TICKS = 2 ** 33 * 300;

/**
 * A jump between two PCRs longer than this is a discontinuity (a spliced or
 * looped file), not elapsed time; the standard asks for a PCR every 100 ms.
 */
export const DEFAULT_MAX_PCR_GAP_MS = 1000;

/** Bytes of a raw Ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32;

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/** Bytes of a SHA-256 digest. */
export const SHA256_BYTES = 32;

/** A stream id is the publisher's raw Ed25519 public key in lowercase hex (as @p2pstream/wire validates). */
export const STREAM_ID_PATTERN = /^[0-9a-f]{64}$/;

/** First bytes of every signed chunk message; see the README for the whole layout. */
export const CHUNK_SIGNATURE_DOMAIN = 'p2pstream-chunk-v2';

/** First bytes of every signed publish message; differs from the chunk domain so one never passes as the other. */
export const PUBLISH_SIGNATURE_DOMAIN = 'p2pstream-publish-v2';

/** First bytes of a signed head (session, edge, time): how far the publisher's stream has come. */
export const HEAD_SIGNATURE_DOMAIN = 'p2pstream-head-v1';

/** First bytes of a signed end (session, final edge): the publisher stopped the stream there. */
export const END_SIGNATURE_DOMAIN = 'p2pstream-end-v1';

/** Bytes of a session: the random epoch a publisher picks each time it publishes. */
export const SESSION_BYTES = 8;

/** Longest stream name a publish signature covers, in UTF-8 bytes (its length travels as a u16). */
export const MAX_PUBLISH_NAME_BYTES = 0xffff;

/** Mode of a key file: read and write for its owner only. */
export const KEY_FILE_MODE = 0o600;

/** A key file larger than this is not a key file; it is refused before it is read. */
export const MAX_KEY_FILE_BYTES = 16 * 1024;

/** Public keys whose imported form is kept for verification, most recently used last. */
export const VERIFIER_CACHE_SIZE = 1024;

/** Bytes FileData asks the file system for per read. */
export const DEFAULT_READ_BYTES = 64 * 1024;

/** Bytes a BufferData holds at most (256 MiB). */
export const DEFAULT_MAX_BUFFER_BYTES = 256 * 1024 * 1024;

/** Bytes of chunk data a ChunkStore keeps in memory (16 MiB): read back, and not yet written. */
export const DEFAULT_STORE_CACHE_BYTES = 16 * 1024 * 1024;

/** Chunks a ChunkStore indexes at most: 1 TiB of 64 KiB chunks, and a bound on what a bad seq could make it allocate. */
export const MAX_STORED_CHUNKS = 2 ** 24;

/** A spool writes at most this many queued chunks in one system call (well under IOV_MAX, 1024). */
export const WRITE_BATCH_CHUNKS = 64;

/** Free buffers of each size a ChunkStore keeps at least to read into again (see BufferPool). */
export const POOLED_BUFFERS_PER_SIZE = 8;
