import { DEFAULT_CHUNK_BYTES } from '@p2pstream/data';
import { DEFAULT_FINISHED_MS_PER_MIB } from './constants.js';

const MIB = 1024 * 1024;

/** A finished stream's play time of one chunk of `bytes`: `DEFAULT_FINISHED_MS_PER_MIB` per MiB. */
function finishedChunkMs(bytes: number): number {
  return (bytes / MIB) * DEFAULT_FINISHED_MS_PER_MIB;
}

/** The finished playhead's pace per chunk until the first chunk shows their size: that of a `DEFAULT_CHUNK_BYTES` chunk (100 ms). */
export const DEFAULT_FINISHED_CHUNK_MS = finishedChunkMs(DEFAULT_CHUNK_BYTES);

/**
 * A finished stream's playhead pace, in bytes: a chunk's play time is its size times
 * `DEFAULT_FINISHED_MS_PER_MIB`, so a publisher's chunk size needs no setting at the viewer.
 * Neither central nor the wire says the size, so it is learnt from the chunks received: the
 * largest so far, as a finished file is cut into chunks of one size but its last, which is smaller
 * (and may well arrive first: rarest-first fetches in no set order).
 */
export class FinishedPace {
  #largestBytes = 0;

  /** A verified chunk of `bytes` arrived: the new pace per chunk when it changes the largest size seen, else undefined. */
  chunkMsAfter(bytes: number): number | undefined {
    if (!(bytes > this.#largestBytes)) return undefined;
    this.#largestBytes = bytes;
    return finishedChunkMs(bytes);
  }
}
