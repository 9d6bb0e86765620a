import { findLastVideoFrameStart, findVideoRandomAccess } from './mpegts.js';
import { packetBoundary } from './mpegts-psi.js';
import { RandomAccessStart } from './mpegts-start.js';

const NOTHING = new Uint8Array(0);

/**
 * The bytes one player's decoder may take from a live MPEG-TS stream that can skip
 * chunks. It begins at a random-access point (`RandomAccessStart`). A skipped chunk
 * must not reach a browser's decoder as a broken frame, which Media Source playback
 * fails on for good (MEDIA_ERR_DECODE): the last video frame of each chunk is held
 * back until the next chunk shows it whole (it could not be shown before then
 * anyway), and dropped when the next chunk is skipped; the feed then goes on at the
 * next PAT, PMT and keyframe, as the frames before it refer to frames that never came.
 * A stream whose muxer flags no keyframes (or has no video) is never held back for one.
 */
export class MpegtsPlayerFeed {
  #start = new RandomAccessStart();
  /** The start of the last video frame pushed, not yet passed on: its end comes with the next chunk. */
  #unfinishedFrame: Uint8Array = NOTHING;
  /** A video keyframe flagged for random access has been seen: worth waiting for the next after a skip. */
  #flagsKeyframes = false;

  /** What to pass on for the next chunk's bytes, in order. */
  push(data: Uint8Array): Uint8Array[] {
    const boundary = packetBoundary(data);
    if (!this.#flagsKeyframes) this.#flagsKeyframes = boundary >= 0 && findVideoRandomAccess(data, boundary) >= 0;
    const lastFrame = boundary < 0 ? -1 : findLastVideoFrameStart(data, boundary);
    const whole = [this.#unfinishedFrame, lastFrame < 0 ? data : data.subarray(0, lastFrame)];
    this.#unfinishedFrame = lastFrame < 0 ? NOTHING : data.subarray(lastFrame);
    return whole.flatMap((piece) => this.#start.push(piece));
  }

  /** A chunk never came: the frame held back is broken, and what follows waits for the next random-access point. */
  skipped(): void {
    this.#unfinishedFrame = NOTHING;
    if (!this.#start.started) this.#start.skipped();
    else if (this.#flagsKeyframes) this.#start = new RandomAccessStart();
  }

  /** The stream ended: the frame held back, whole now that nothing follows it. */
  end(): Uint8Array[] {
    const last = this.#unfinishedFrame;
    this.#unfinishedFrame = NOTHING;
    return this.#start.push(last);
  }
}
