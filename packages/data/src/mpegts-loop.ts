import { TS_PACKET_BYTES, TS_SYNC_BYTE } from './constants.js';
import { readPcr } from './mpegts.js';
import { NULL_PID, packetPid, readTimestamp } from './mpegts-psi.js';

/** PTS, DTS and the PCR base count a 90 kHz clock in 33 bits, and wrap there. */
const TIMESTAMP_WRAP = 2 ** 33;
/** The 27 MHz PCR is its 90 kHz base × 300, plus a 9-bit extension. */
const PCR_TICKS_PER_BASE_TICK = 300;
/** Bytes from a packet's start to its PCR, when it has one: header (4), adaptation length (1), flags (1). */
const PCR_OFFSET = 6;
/** Bytes of a PES header up to and including PES_header_data_length. */
const PES_FIXED_HEADER_BYTES = 9;
/** Bytes of one PTS or DTS field. */
const TIMESTAMP_BYTES = 5;
/** PES stream_ids whose header has no PTS/DTS (ISO/IEC 13818-1, 2.4.3.7): PSM, padding, private 2, ECM, EMM, DSM-CC, directory, H.222.1 E. */
const PES_IDS_WITHOUT_TIMESTAMPS = new Set([0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff]);
/** PES stream_ids of video streams. */
const VIDEO_STREAM_IDS = { first: 0xe0, last: 0xef };

const EMPTY = new Uint8Array(0);

export interface LoopTimestampsOptions {
  /**
   * How far each loop is shifted past the one before, in 90 kHz ticks.
   * @default measured from the first loop's own timestamps (see LoopDuration)
   */
  durationTicks?: number;
}

/**
 * Makes a looped MPEG-TS file one continuous stream: feed it the file's bytes
 * loop after loop, calling `endLoop()` at the end of each, and on loop k every
 * PCR, PTS and DTS comes out k × the file's duration later (modulo 2^33), and
 * every PID's continuity counter goes on from where the loop before left it.
 * Nothing else changes: no discontinuity_indicator is set, since players reset
 * on it, which is what a seamless loop must avoid.
 *
 * The duration is measured on the first loop as it passes: the file is not read
 * an extra time, nor ahead of being played. Input pieces need not hold whole
 * packets: a partial packet waits for the rest of it in the next piece.
 */
export class LoopTimestamps {
  #loop = 0;
  #durationTicks: number | undefined;
  #meter: LoopDuration | undefined;
  /** Added to every timestamp of this loop, in 90 kHz ticks (mod 2^33). */
  #shift = 0;
  #carry: Uint8Array = EMPTY;
  readonly #counters = new Map<number, ContinuityCounter>();

  constructor(options: LoopTimestampsOptions = {}) {
    const { durationTicks } = options;
    if (durationTicks !== undefined && !(Number.isSafeInteger(durationTicks) && durationTicks >= 0 && durationTicks < TIMESTAMP_WRAP)) {
      throw new RangeError(`durationTicks must be an integer from 0 to 2^33 - 1, got ${durationTicks}`);
    }
    this.#durationTicks = durationTicks;
    this.#meter = durationTicks === undefined ? new LoopDuration() : undefined;
  }

  /** The loop now being fed, from 0. */
  get loop(): number {
    return this.#loop;
  }

  /** The file's duration in 90 kHz ticks: once given, or measured by the end of the first loop (0 without timestamps). */
  get durationTicks(): number | undefined {
    return this.#durationTicks;
  }

  /**
   * The whole packets `piece` completes, rewritten on a copy (the caller's bytes
   * are left alone). Bytes before a sync byte pass unchanged (the chunker skips
   * them); a partial packet at the end is held back for the next piece.
   */
  push(piece: Uint8Array): Uint8Array {
    const bytes = new Uint8Array(this.#carry.length + piece.length);
    bytes.set(this.#carry);
    bytes.set(piece, this.#carry.length);
    let at = 0;
    while (at + TS_PACKET_BYTES <= bytes.length) {
      if (bytes[at] !== TS_SYNC_BYTE) {
        const next = bytes.indexOf(TS_SYNC_BYTE, at + 1);
        at = next === -1 ? bytes.length : next;
        continue;
      }
      this.#packet(bytes, at);
      at += TS_PACKET_BYTES;
    }
    this.#carry = bytes.slice(at);
    return bytes.subarray(0, at);
  }

  /**
   * Ends the current loop: returns the bytes held back (a truncated last packet,
   * unchanged, rather than glued to the next loop's first bytes), and shifts
   * what comes next by one more duration.
   */
  endLoop(): Uint8Array {
    const rest = this.#carry;
    this.#carry = EMPTY;
    if (this.#meter !== undefined) {
      this.#durationTicks = this.#meter.durationTicks() ?? 0;
      this.#meter = undefined;
    }
    this.#loop += 1;
    this.#shift = (this.#shift + this.#durationTicks!) % TIMESTAMP_WRAP;
    return rest;
  }

  #packet(bytes: Uint8Array, at: number): void {
    if ((bytes[at + 1]! & 0x80) !== 0) return; // transport_error_indicator: nothing in it is to be trusted
    this.#meter?.observe(bytes, at);
    const pid = packetPid(bytes, at);
    if (pid !== NULL_PID) this.#continueCounter(bytes, at, pid);
    if (this.#shift === 0) return;
    const pcr = readPcr(bytes, at);
    if (pcr !== undefined) writePcrBase(bytes, at + PCR_OFFSET, (pcrBase(bytes, at, pcr.ticks) + this.#shift) % TIMESTAMP_WRAP);
    const pes = pesTimestamps(bytes, at);
    for (const field of pes === undefined ? [] : [pes.ptsAt, pes.dtsAt]) {
      if (field !== undefined) writeTimestamp(bytes, field, (readTimestamp(bytes, field) + this.#shift) % TIMESTAMP_WRAP);
    }
  }

  /**
   * Continues the PID's continuity counter across the loop point: the file's
   * own steps are kept (one per payload, none for adaptation-only packets), only
   * offset so the first packet of a loop follows the last of the loop before.
   */
  #continueCounter(bytes: Uint8Array, at: number, pid: number): void {
    const counterIn = bytes[at + 3]! & 0x0f;
    let counter = this.#counters.get(pid);
    if (counter === undefined) {
      counter = { loop: this.#loop, offset: 0, last: counterIn };
      this.#counters.set(pid, counter);
    } else if (counter.loop !== this.#loop) {
      const hasPayload = (bytes[at + 3]! & 0x10) !== 0;
      counter.offset = (counter.last + (hasPayload ? 1 : 0) - counterIn) & 0x0f;
      counter.loop = this.#loop;
    }
    const counterOut = (counterIn + counter.offset) & 0x0f;
    bytes[at + 3] = (bytes[at + 3]! & 0xf0) | counterOut;
    counter.last = counterOut;
  }
}

interface ContinuityCounter {
  /** The loop `offset` was set for. */
  loop: number;
  offset: number;
  /** The counter last written. */
  last: number;
}

/**
 * Measures how long a file plays, from its packets, so that a loop can follow
 * it by exactly that much. The span of the video's PTS plus one frame: then the
 * first frame of the next loop is shown one frame interval after the last frame
 * of this one, as if the file went on. (Audio seldom ends exactly with the video,
 * so it may overlap or miss a frame or two at the loop point; players absorb that,
 * as they would not a jump back.) The frame interval is the smallest step between
 * consecutive decode times (DTS, else PTS), which B-frames do not upset as they
 * would PTS steps. Without video the first stream with PTS is measured the same
 * way (an audio PES often holds several frames: its step is the PES's), and
 * without PES timestamps the PCR: span plus its smallest step, a step the file
 * itself makes, so a PCR-paced chunker takes the loop point as ordinary time.
 */
export class LoopDuration {
  readonly #pes = new Map<number, Timeline & { video: boolean }>();
  #pcr: Timeline | undefined;
  #pcrPid = -1;

  /** Looks at one whole packet. */
  observe(bytes: Uint8Array, at: number): void {
    const pcr = readPcr(bytes, at);
    if (pcr !== undefined && (this.#pcrPid === -1 || pcr.pid === this.#pcrPid)) {
      this.#pcrPid = pcr.pid;
      this.#pcr ??= new Timeline();
      const base = pcrBase(bytes, at, pcr.ticks);
      this.#pcr.observe(base, base);
    }
    const pes = pesTimestamps(bytes, at);
    if (pes === undefined) return;
    let timeline = this.#pes.get(pes.pid);
    if (timeline === undefined) {
      timeline = Object.assign(new Timeline(), { video: pes.streamId >= VIDEO_STREAM_IDS.first && pes.streamId <= VIDEO_STREAM_IDS.last });
      this.#pes.set(pes.pid, timeline);
    }
    const pts = readTimestamp(bytes, pes.ptsAt);
    timeline.observe(pts, pes.dtsAt === undefined ? pts : readTimestamp(bytes, pes.dtsAt));
  }

  /** 90 kHz ticks of media seen, plus one step; undefined until some clock has stepped forward. */
  durationTicks(): number | undefined {
    const streams = [...this.#pes.values()];
    const chosen = streams.find((s) => s.video && s.duration() !== undefined) ?? streams.find((s) => s.duration() !== undefined) ?? this.#pcr;
    return chosen?.duration();
  }
}

/** One clock's span (by presentation time) and smallest positive step (by decode time), across the 33-bit wrap. */
class Timeline {
  #origin: number | undefined;
  #min = 0;
  #max = 0;
  #lastDecode = 0;
  #step = Infinity;

  observe(presentation: number, decode: number): void {
    if (this.#origin === undefined) {
      this.#origin = decode;
      this.#min = this.#max = this.#relative(presentation);
      return;
    }
    const shown = this.#relative(presentation);
    const decoded = this.#relative(decode);
    this.#min = Math.min(this.#min, shown);
    this.#max = Math.max(this.#max, shown);
    const step = decoded - this.#lastDecode;
    if (step > 0 && step < this.#step) this.#step = step;
    this.#lastDecode = decoded;
  }

  duration(): number | undefined {
    return this.#step === Infinity ? undefined : this.#max - this.#min + this.#step;
  }

  /** Ticks since the first decode time, negative for a frame shown before it, across the wrap. */
  #relative(value: number): number {
    const ahead = (value - this.#origin! + TIMESTAMP_WRAP) % TIMESTAMP_WRAP;
    return ahead >= TIMESTAMP_WRAP / 2 ? ahead - TIMESTAMP_WRAP : ahead;
  }
}

interface PesTimestamps {
  pid: number;
  streamId: number;
  /** Where the PTS field starts. */
  ptsAt: number;
  dtsAt: number | undefined;
}

/** Where the PTS (and DTS) of the PES header starting in the packet at `at` are, if it starts one that has a PTS. */
function pesTimestamps(bytes: Uint8Array, at: number): PesTimestamps | undefined {
  const b1 = bytes[at + 1]!;
  if ((b1 & 0x80) !== 0 || (b1 & 0x40) === 0) return undefined; // transport error, or no payload_unit_start
  const adaptationFieldControl = (bytes[at + 3]! >> 4) & 0x3;
  if ((adaptationFieldControl & 0x1) === 0) return undefined; // no payload
  const end = at + TS_PACKET_BYTES;
  const p = at + 4 + ((adaptationFieldControl & 0x2) !== 0 ? 1 + bytes[at + 4]! : 0);
  if (p + PES_FIXED_HEADER_BYTES > end || bytes[p] !== 0 || bytes[p + 1] !== 0 || bytes[p + 2] !== 1) return undefined;
  const streamId = bytes[p + 3]!;
  if (PES_IDS_WITHOUT_TIMESTAMPS.has(streamId) || bytes[p + 6]! >> 6 !== 0b10) return undefined;
  const ptsDtsFlags = bytes[p + 7]! >> 6;
  const headerDataBytes = bytes[p + 8]!;
  const ptsAt = p + PES_FIXED_HEADER_BYTES;
  const pid = packetPid(bytes, at);
  const fits = (fields: number): boolean => headerDataBytes >= fields * TIMESTAMP_BYTES && ptsAt + fields * TIMESTAMP_BYTES <= end;
  if (ptsDtsFlags === 0b11 && fits(2)) return { pid, streamId, ptsAt, dtsAt: ptsAt + TIMESTAMP_BYTES };
  if (ptsDtsFlags === 0b10 && fits(1)) return { pid, streamId, ptsAt, dtsAt: undefined };
  return undefined;
}

/** Writes a 33-bit PTS or DTS, keeping the field's 4-bit prefix and its marker bits. */
function writeTimestamp(bytes: Uint8Array, at: number, value: number): void {
  // Bit operators work on 32 bits: the top 3 bits are split off by division first.
  const high = Math.floor(value / 2 ** 30);
  const low = value % 2 ** 30;
  bytes[at] = (bytes[at]! & 0xf1) | (high << 1);
  bytes[at + 1] = (low >>> 22) & 0xff;
  bytes[at + 2] = (bytes[at + 2]! & 0x01) | (((low >>> 15) & 0x7f) << 1);
  bytes[at + 3] = (low >>> 7) & 0xff;
  bytes[at + 4] = (bytes[at + 4]! & 0x01) | ((low & 0x7f) << 1);
}

/** The 90 kHz base of the PCR `readPcr` read as `ticks`, its extension taken out as it stands in the packet. */
function pcrBase(bytes: Uint8Array, at: number, ticks: number): number {
  const p = at + PCR_OFFSET;
  const extension = ((bytes[p + 4]! & 0x1) << 8) | bytes[p + 5]!;
  return (ticks - extension) / PCR_TICKS_PER_BASE_TICK;
}

/** Writes a 33-bit PCR base at `p`, keeping the reserved bits and the extension after it. */
function writePcrBase(bytes: Uint8Array, p: number, base: number): void {
  bytes[p] = Math.floor(base / 2 ** 25) & 0xff;
  bytes[p + 1] = Math.floor(base / 2 ** 17) & 0xff;
  bytes[p + 2] = Math.floor(base / 2 ** 9) & 0xff;
  bytes[p + 3] = Math.floor(base / 2) & 0xff;
  bytes[p + 4] = (bytes[p + 4]! & 0x7f) | ((base % 2) << 7);
}
