import { TS_PACKET_BYTES, TS_SYNC_BYTE } from './constants.js';
import { PcrClock } from './mpegts.js';

/** How a realtime chunker knows how much media a chunk holds. */
export type Pacing = 'none' | 'bitrate' | 'pcr';

export interface AssemblerConfig {
  /** Bytes of a full chunk (already a multiple of 188 in MPEG-TS mode). */
  chunkBytes: number;
  chunkMs: number;
  mpegts: boolean;
  pacing: Pacing;
  /** Bits per second, for `bitrate` pacing. */
  bitrate: number;
  maxPcrGapMs: number;
  onResync: ((skippedBytes: number) => void) | undefined;
}

/** One chunk's bytes, and the media time at its end (0 unless paced). */
export interface Cut {
  data: Uint8Array;
  mediaMs: number;
}

/**
 * The synchronous heart of the chunker: takes bytes, says where chunks end.
 * Bytes are copied once, into a buffer of a full chunk's size that becomes the
 * chunk's data when it fills; a shorter chunk is copied out to its exact size,
 * so a chunk never holds on to more memory than its bytes. The next full-size
 * buffer comes from `newBuffer` (the chunker's, which may hand back one recycled).
 */
export class ChunkAssembler {
  readonly #config: AssemblerConfig;
  readonly #pcr: PcrClock | undefined;
  readonly #newBuffer: () => Buffer;
  #buffer: Buffer;
  #filled = 0;
  /** MPEG-TS: bytes of whole packets whose sync byte was checked; a cut never goes past it. */
  #checked = 0;
  /** Clock time of the first byte now buffered. */
  #firstByteAt = 0;
  #bytesOut = 0;
  /**
   * PCR pacing: the media time at which the chunk being filled is cut. Cut times
   * fall on a grid of `chunkMs` steps, not `chunkMs` after the last cut: a cut can
   * only land on a PCR, up to one PCR interval past its time, and measuring each
   * chunk from the last cut would add that overshoot up, making chunks longer than
   * `chunkMs` on average — and viewers, whose play-out counts `chunkMs` a chunk,
   * would run ahead of the stream.
   */
  #nextCutMediaMs: number;

  constructor(config: AssemblerConfig, newBuffer: () => Buffer) {
    this.#config = config;
    this.#newBuffer = newBuffer;
    this.#pcr = config.mpegts ? new PcrClock(config.maxPcrGapMs) : undefined;
    this.#nextCutMediaMs = config.chunkMs;
    this.#buffer = newBuffer();
  }

  /** Takes a piece of the source; returns the chunks it completed. */
  push(piece: Uint8Array, now: number): Cut[] {
    const cuts: Cut[] = [];
    let offset = 0;
    while (offset < piece.length) {
      if (this.#filled === 0) this.#firstByteAt = now;
      const n = Math.min(this.#buffer.length - this.#filled, piece.length - offset);
      this.#buffer.set(piece.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      offset += n;
      if (this.#config.mpegts) this.#checkPackets(cuts, now);
      else if (this.#filled === this.#buffer.length) cuts.push(this.#cut(this.#filled, now));
    }
    return cuts;
  }

  /**
   * When a time cut is due (clock ms), or undefined while nothing can be cut or
   * the chunker is paced by media time instead of the clock.
   */
  deadline(): number | undefined {
    if (this.#config.pacing !== 'none') return undefined;
    const cuttable = this.#config.mpegts ? this.#checked : this.#filled;
    return cuttable > 0 ? this.#firstByteAt + this.#config.chunkMs : undefined;
  }

  /** Cuts what is buffered because the deadline passed (whole packets only, for MPEG-TS). */
  cutOnTimer(now: number): Cut | undefined {
    const n = this.#config.mpegts ? this.#checked : this.#filled;
    return n > 0 ? this.#cut(n, now) : undefined;
  }

  /** The source ended: everything left, even a partial packet, so no byte is lost. */
  flush(now: number): Cut | undefined {
    return this.#filled > 0 ? this.#cut(this.#filled, now) : undefined;
  }

  /** Checks each whole packet not yet checked, cutting where a chunk is full or long enough. */
  #checkPackets(cuts: Cut[], now: number): void {
    while (this.#filled - this.#checked >= TS_PACKET_BYTES) {
      const at = this.#checked;
      if (this.#buffer[at] !== TS_SYNC_BYTE) {
        this.#resync(at);
        continue;
      }
      this.#pcr?.observe(this.#buffer, at);
      this.#checked += TS_PACKET_BYTES;
      const full = this.#checked === this.#buffer.length;
      const longEnough = this.#config.pacing === 'pcr' && this.#pcr!.mediaMs >= this.#nextCutMediaMs;
      if (full || longEnough) cuts.push(this.#cut(this.#checked, now));
    }
  }

  /** Drops bytes up to the next sync byte, so chunks stay aligned after garbage or a lost byte. */
  #resync(at: number): void {
    const next = this.#buffer.subarray(0, this.#filled).indexOf(TS_SYNC_BYTE, at + 1);
    const resume = next === -1 ? this.#filled : next;
    this.#buffer.copyWithin(at, resume, this.#filled);
    this.#filled -= resume - at;
    this.#config.onResync?.(resume - at);
  }

  #cut(n: number, now: number): Cut {
    let data: Buffer;
    if (n === this.#buffer.length) {
      data = this.#buffer;
      this.#buffer = this.#newBuffer();
    } else {
      data = Buffer.allocUnsafeSlow(n);
      this.#buffer.copy(data, 0, 0, n);
      this.#buffer.copyWithin(0, n, this.#filled);
    }
    this.#filled -= n;
    this.#checked = Math.max(0, this.#checked - n);
    // What stays behind (a partial packet, or packets after a PCR cut) starts its own wait now.
    if (this.#filled > 0) this.#firstByteAt = now;
    this.#bytesOut += n;
    if (this.#config.pacing === 'pcr') {
      // The next grid line after the media time reached (several, when PCRs are further apart than chunkMs).
      while (this.#nextCutMediaMs <= this.#pcr!.mediaMs) this.#nextCutMediaMs += this.#config.chunkMs;
    }
    return { data, mediaMs: this.#mediaMsAtEnd() };
  }

  #mediaMsAtEnd(): number {
    switch (this.#config.pacing) {
      case 'bitrate':
        return (this.#bytesOut * 8000) / this.#config.bitrate;
      case 'pcr':
        return this.#pcr!.mediaMs;
      case 'none':
        return 0;
    }
  }
}
