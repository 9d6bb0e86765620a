import { DEFAULT_MAX_PCR_GAP_MS, TS_PACKET_BYTES } from './constants.js';
import { PcrClock, videoFrameStart } from './mpegts.js';
import { PAT_PID, packetBoundary, packetPid, ProgramTables, readPesPts } from './mpegts-psi.js';

/** One piece of the stream a player can start at: the PAT and PMT, then a video keyframe, then what follows up to the next segment. */
export interface TsSegment {
  /** Counts from 0 in the order segments were cut. */
  readonly index: number;
  /** The segment's bytes, in order: views of the pushed bytes, after a copy of the PAT and PMT when the stream has none just before the keyframe. */
  readonly pieces: readonly Uint8Array[];
  readonly bytes: number;
  /** From this segment's first keyframe to the next segment's (PTS), or by the PCR when there is no PTS to go by. */
  readonly durationMs: number;
  /** Bytes before this segment were lost (a skipped chunk) or it follows a time jump: players must reset their decoder. */
  readonly discontinuity: boolean;
}

export interface TsSegmenterOptions {
  /**
   * A segment is cut at the first keyframe at least this long after its start.
   * @default 2000
   */
  targetMs?: number;
}

/** PTS ticks per millisecond (90 kHz). */
const PTS_TICKS_PER_MS = 90;
const PTS_WRAP = 2 ** 33;
/** A PTS step longer than this between two cuts is a jump, not a duration: the PCR clock is used instead. */
const MAX_PTS_STEP_MS = 60_000;

interface Open {
  pieces: Uint8Array[];
  bytes: number;
  pts: number | undefined;
  mediaMs: number;
  discontinuity: boolean;
}

/**
 * Cuts an MPEG-TS stream into keyframe-aligned segments for HLS: each starts
 * with the stream's PAT and PMT (the muxer's own when they come just before the
 * keyframe, as ffmpeg writes them, so segments put together are the stream;
 * else copies), then a video keyframe (random_access_indicator
 * on a video PES start), and lasts at least `targetMs` (up to the next
 * keyframe). A stream without video is cut at the start of any elementary
 * stream's PES. Bytes before the first keyframe are dropped. Bytes are pushed
 * in order, as whole packets.
 */
export class TsSegmenter {
  readonly #targetMs: number;
  readonly #tables = new ProgramTables();
  readonly #clock = new PcrClock(DEFAULT_MAX_PCR_GAP_MS);
  #next = 0;
  #open: Open | undefined;
  #discontinuity = false;

  constructor(options: TsSegmenterOptions = {}) {
    this.#targetMs = options.targetMs ?? 2000;
  }

  /** Feeds the next bytes; returns the segments they completed. */
  push(data: Uint8Array): TsSegment[] {
    const done: TsSegment[] = [];
    const first = packetBoundary(data);
    if (first < 0) return done;
    let from = first;
    /** Where the packets of tables just before this one began in `data` (-1: none), and whether they hold a PAT and a PMT. */
    let tablesRun = -1;
    let runHasPat = false;
    let runHasPmt = false;
    for (let offset = first; offset + TS_PACKET_BYTES <= data.length; offset += TS_PACKET_BYTES) {
      if (this.#tables.observe(data, offset)) {
        if (tablesRun < 0) [tablesRun, runHasPat, runHasPmt] = [offset, false, false];
        if (packetPid(data, offset) === PAT_PID) runHasPat = true;
        else runHasPmt = true;
        continue;
      }
      this.#clock.observe(data, offset);
      const tablesBefore = runHasPat && runHasPmt ? tablesRun : -1;
      tablesRun = -1;
      if (!this.#tables.ready || !this.#isCutPoint(data, offset)) continue;
      const pts = readPesPts(data, offset);
      const open = this.#open;
      if (open && this.#elapsedMs(open, pts) < this.#targetMs) continue;
      // The segment starts at the PAT and PMT just before the keyframe when the muxer put them there (ffmpeg does), else with copies of them.
      const cut = tablesBefore >= from ? tablesBefore : offset;
      if (open) {
        open.pieces.push(data.subarray(from, cut));
        open.bytes += cut - from;
        done.push(this.#close(open, pts));
      }
      const tables = cut === offset ? [this.#tables.packets()] : [];
      const bytes = tables[0]?.length ?? 0;
      this.#open = { pieces: tables, bytes, pts, mediaMs: this.#clock.mediaMs, discontinuity: this.#discontinuity };
      this.#discontinuity = false;
      from = cut;
    }
    if (this.#open && from < data.length) {
      this.#open.pieces.push(data.subarray(from));
      this.#open.bytes += data.length - from;
    }
    return done;
  }

  /** Bytes were lost: the segment being cut is dropped, and the next starts at the next keyframe, marked as a discontinuity. */
  skipped(): void {
    this.#open = undefined;
    this.#discontinuity = true;
  }

  /** The stream ended: the segment being cut, if any, as the last. */
  end(): TsSegment | undefined {
    const open = this.#open;
    this.#open = undefined;
    return open && open.bytes > 2 * TS_PACKET_BYTES ? this.#close(open, undefined) : undefined;
  }

  #isCutPoint(data: Uint8Array, offset: number): boolean {
    if (this.#tables.hasVideo) return videoFrameStart(data, offset) === 'keyframe';
    if ((data[offset + 1]! & 0x40) === 0) return false; // payload_unit_start_indicator
    const pid = packetPid(data, offset);
    return this.#tables.streams.some((stream) => stream.pid === pid);
  }

  #elapsedMs(open: Open, pts: number | undefined): number {
    if (open.pts !== undefined && pts !== undefined) {
      const ms = ((pts - open.pts + PTS_WRAP) % PTS_WRAP) / PTS_TICKS_PER_MS;
      if (ms <= MAX_PTS_STEP_MS) return ms;
    }
    return this.#clock.mediaMs - open.mediaMs;
  }

  #close(open: Open, pts: number | undefined): TsSegment {
    return {
      index: this.#next++,
      pieces: open.pieces,
      bytes: open.bytes,
      durationMs: this.#elapsedMs(open, pts),
      discontinuity: open.discontinuity,
    };
  }
}
