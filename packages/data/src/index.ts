export type { Data, ByteSource, ReadOptions, WriteOptions, SizeOptions } from './data.js';
export { BufferData, type BufferDataOptions } from './buffer-data.js';
export { FileData, type FileDataOptions, type FileReadOptions } from './file-data.js';
export { RandomAccessFile, type RandomAccessMode } from './random-access-file.js';
export type { HeldChunks } from './held-chunks.js';
export { ChunkStore, type ChunkStoreOptions, type SpoolOptions } from './chunk-store.js';
export type { Chunk, UnsignedChunk } from './chunk.js';
export { StreamKey, generateStreamKey, streamIdOf, streamFingerprint, publicKeyOf } from './stream-key.js';
export {
  saveStreamKey,
  loadStreamKey,
  loadOrCreateStreamKey,
  type SaveStreamKeyOptions,
  type LoadStreamKeyOptions,
} from './key-file.js';
export { verifierFor, type StreamVerifier } from './verifier.js';
export { newSession, isSession, sameSession, sessionHex } from './stream-session.js';
export {
  signHead,
  verifyHead,
  signEnd,
  verifyEnd,
  headSignedBytes,
  endSignedBytes,
  type SignedHead,
  type SignedEnd,
} from './signed-head.js';
export { SignedState, type Offer, type HeadListener, type SignedEndListener } from './signed-state.js';
export { signWindow, type SignWindowOptions } from './window-signer.js';
export {
  signChunk,
  verifyChunk,
  signPublish,
  verifyPublish,
  chunkSignedBytes,
  publishSignedBytes,
} from './signatures.js';
export {
  findLastVideoFrameStart,
  findVideoRandomAccess,
  looksLikeMpegTs,
  mpegTsProblem,
  TS_SNIFF_BYTES,
  readPcr,
  PcrClock,
  type Pcr,
} from './mpegts.js';
export { LoopTimestamps, type LoopTimestampsOptions } from './mpegts-loop.js';
export { Chunker, type ChunkerOptions, type ChunksOptions } from './chunker.js';
export type { Pacing } from './chunk-assembler.js';
export {
  ChunkWindow,
  type ChunkWindowOptions,
  type BufferMap,
  type ChunkListener,
  type EvictListener,
  type EndListener,
} from './chunk-window.js';
export {
  PAT_PID,
  NULL_PID,
  packetBoundary,
  packetPid,
  readPatProgramMapPids,
  readPmtStreams,
  readPesPts,
  ProgramTables,
  type ElementaryStream,
} from './mpegts-psi.js';
export { RandomAccessStart, type RandomAccessStartOptions } from './mpegts-start.js';
export { MpegtsPlayerFeed } from './mpegts-player-feed.js';
export { TsSegmenter, type TsSegment, type TsSegmenterOptions } from './mpegts-segmenter.js';
export { DataError, type DataErrorCode, KeyFileExistsError, KeyFileNotFoundError } from './errors.js';
export {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_CHUNK_MS,
  MAX_CHUNK_BYTES,
  DEFAULT_WINDOW_CAPACITY,
  DEFAULT_STORE_CACHE_BYTES,
  TS_PACKET_BYTES,
  TS_SYNC_BYTE,
  PCR_TICKS_PER_MS,
  DEFAULT_MAX_PCR_GAP_MS,
} from './constants.js';
