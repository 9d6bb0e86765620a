import { DEFAULT_MAX_PCR_GAP_MS, TS_PACKET_BYTES } from './constants.js';
import { PcrClock, videoFrameStart } from './mpegts.js';
import { PAT_PID, packetBoundary, packetPid, ProgramTables } from './mpegts-psi.js';

export interface RandomAccessStartOptions {
  /**
   * Start at the last video keyframe at or before this media time: milliseconds
   * of PCR time from the first PCR pushed.
   * @default 0 (the first keyframe)
   */
  fromMs?: number;
  /**
   * A stream that has shown its PAT and PMT but flags no video keyframe within
   * this many bytes after them (its muxer does not set random_access_indicator)
   * starts at a packet boundary instead, after the PAT and PMT.
   * @default 8 MiB
   */
  maxWaitBytes?: number;
  /**
   * While seeking (`fromMs`), the bytes from the last keyframe are held until
   * the time is reached; a group of pictures longer than this is let go and the
   * next keyframe awaited instead.
   * @default 64 MiB
   */
  maxHoldBytes?: number;
}

const DEFAULT_MAX_WAIT_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_HOLD_BYTES = 64 * 1024 * 1024;

/**
 * Where a player joining an MPEG-TS stream may begin: its PAT and PMT, then a
 * video keyframe (a packet whose random_access_indicator is set on a video PES
 * start). Bytes are pushed in order as they come (whole packets, as chunks of
 * MPEG-TS are cut); nothing comes out until such a point is found, then the
 * PAT and PMT seen last, the bytes from the keyframe on, and everything after
 * as it is pushed. A stream with no video starts at the first packet after its
 * PAT and PMT; bytes that are no MPEG-TS (no packet boundary in the first
 * push) pass through as they are.
 */
export class RandomAccessStart {
  readonly #fromMs: number;
  readonly #maxWaitBytes: number;
  readonly #maxHoldBytes: number;
  readonly #tables = new ProgramTables();
  readonly #clock = new PcrClock(DEFAULT_MAX_PCR_GAP_MS);
  #started = false;
  #pushed = 0;
  /** PAT, PMT and the bytes from the last keyframe on, while the time is not reached; undefined when holding nothing. */
  #held: Uint8Array[] | undefined;
  #heldBytes = 0;
  /** Bytes seen since the PAT and PMT without a keyframe. */
  #waited = 0;
  /**
   * Whether a PAT and a PMT were seen since the last skip. Copies from before a skip are not
   * the tables the stream has just before the keyframes after it (a muxer puts them there, with
   * their own continuity counters), so the output would not be the stream as it was sent.
   */
  #patSinceSkip = true;
  #pmtSinceSkip = true;

  constructor(options: RandomAccessStartOptions = {}) {
    this.#fromMs = options.fromMs ?? 0;
    this.#maxWaitBytes = options.maxWaitBytes ?? DEFAULT_MAX_WAIT_BYTES;
    this.#maxHoldBytes = options.maxHoldBytes ?? DEFAULT_MAX_HOLD_BYTES;
  }

  /** A start point was found: every push from now on comes out whole. */
  get started(): boolean {
    return this.#started;
  }

  /** Media time pushed so far (PCR), in milliseconds: how long the stream was when it ended without a start. */
  get mediaMs(): number {
    return this.#clock.mediaMs;
  }

  /** The bytes to pass on for `data`: nothing before the start point, then everything. */
  push(data: Uint8Array): Uint8Array[] {
    if (data.length === 0) return [];
    if (this.#started) return [data];
    const first = packetBoundary(data);
    if (first < 0) {
      if (this.#pushed === 0) return this.#start([data]);
      return [];
    }
    this.#pushed += data.length;
    /** Where the hold begins in this push: the keyframe when it is in `data`, else where the packets begin. */
    let holdFrom = first;
    for (let offset = first; offset + TS_PACKET_BYTES <= data.length; offset += TS_PACKET_BYTES) {
      if (this.#tables.observe(data, offset)) {
        if (packetPid(data, offset) === PAT_PID) this.#patSinceSkip = true;
        else this.#pmtSinceSkip = true;
      }
      this.#clock.observe(data, offset);
      if (!this.#tables.ready || !this.#patSinceSkip || !this.#pmtSinceSkip) continue;
      const keyframe = videoFrameStart(data, offset) === 'keyframe';
      const startsHere = keyframe || !this.#tables.hasVideo || this.#waited > this.#maxWaitBytes;
      if (!keyframe) this.#waited += TS_PACKET_BYTES;
      if (startsHere && (keyframe || this.#held === undefined)) {
        // A newer keyframe: the hold begins again here, after the tables as they are now.
        this.#held = [this.#tables.packets()];
        this.#heldBytes = 2 * TS_PACKET_BYTES;
        holdFrom = offset;
      }
      if (this.#held !== undefined && this.#clock.mediaMs >= this.#fromMs) {
        return this.#start([...this.#held, data.subarray(holdFrom)]);
      }
    }
    if (this.#held !== undefined) {
      this.#held.push(data.subarray(holdFrom));
      this.#heldBytes += data.length - holdFrom;
      if (this.#heldBytes > this.#maxHoldBytes) this.#held = undefined;
    }
    return [];
  }

  /** A chunk never came (a live stream skipped it): what is held is broken, so wait for the tables and the next keyframe. */
  skipped(): void {
    if (this.#started) return;
    this.#held = undefined;
    this.#patSinceSkip = this.#pmtSinceSkip = false;
  }

  #start(pieces: Uint8Array[]): Uint8Array[] {
    this.#started = true;
    this.#held = undefined;
    return pieces.filter((piece) => piece.length > 0);
  }
}
