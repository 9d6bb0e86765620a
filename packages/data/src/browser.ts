// What a browser viewer takes from @p2pstream/data: the chunk window and chunk verification
// through WebCrypto. Nothing reachable from here imports node:* or uses Buffer; the rest of
// the package (files, key files, the fs-backed store, node:crypto signing) is for Node.
export type { Chunk, UnsignedChunk } from './chunk.js';
export { verifyChunkWebCrypto, webCryptoVerifierFor, type WebCryptoVerifier } from './webcrypto-verifier.js';
export { verifyHeadWebCrypto, verifyEndWebCrypto } from './webcrypto-state.js';
export type { SignedHead, SignedEnd } from './signed-head.js';
export { isSession, sameSession, sessionHex } from './stream-session.js';
export { RandomAccessStart, type RandomAccessStartOptions } from './mpegts-start.js';
export { MpegtsPlayerFeed } from './mpegts-player-feed.js';
export {
  ChunkWindow,
  type ChunkWindowOptions,
  type BufferMap,
  type ChunkListener,
  type EvictListener,
  type EndListener,
} from './chunk-window.js';
export { DataError, type DataErrorCode } from './errors.js';
export { DEFAULT_CHUNK_MS, DEFAULT_WINDOW_CAPACITY, MAX_CHUNK_BYTES } from './constants.js';
