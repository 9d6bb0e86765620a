/** A piece of a stream as the chunker cuts it, before it is signed. */
export interface UnsignedChunk {
  /** Position in the stream, counting from 0. */
  seq: number;
  /** The publisher's clock, in ms since the epoch, when the chunk was cut. */
  ts: number;
  data: Uint8Array;
}

/** A chunk as peers share it: `sig` is the publisher's 64-byte Ed25519 signature (see signChunk). */
export interface Chunk extends UnsignedChunk {
  sig: Uint8Array;
}
