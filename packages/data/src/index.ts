export * from './constants.js';
export * from './errors.js';
export { systemClock, type Clock } from './clock.js';
export type { Data, ByteSource, ReadOptions, WriteOptions, SizeOptions } from './data.js';
export { BufferData, type BufferDataOptions } from './buffer-data.js';
export { FileData, type FileDataOptions } from './file-data.js';
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
export { findLastVideoFrameStart, findVideoRandomAccess, looksLikeMpegTs, readPcr, PcrClock, type Pcr } from './mpegts.js';
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
  packetBoundary,
  packetPid,
  readPatProgramMapPids,
  readPmtStreams,
  readPesPts,
  ProgramTables,
  type ElementaryStream,
} from './mpegts-psi.js';
export { RandomAccessStart, type RandomAccessStartOptions } from './mpegts-start.js';
export { TsSegmenter, type TsSegment, type TsSegmenterOptions } from './mpegts-segmenter.js';
