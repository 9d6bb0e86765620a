import { PCR_TICKS_PER_MS, PCR_WRAP_TICKS, TS_PACKET_BYTES, TS_SYNC_BYTE } from './constants.js';

/** Packets whose sync bytes `looksLikeMpegTs` wants to see, when the bytes hold that many. */
const SYNC_PACKETS_CHECKED = 3;

/**
 * Bytes of a source's start that are enough for `looksLikeMpegTs` to decide: its
 * packets from any offset within the first, so one packet more than it checks.
 */
export const TS_SNIFF_BYTES = (SYNC_PACKETS_CHECKED + 1) * TS_PACKET_BYTES;

/**
 * Whether `bytes` look like MPEG-TS: the sync byte 0x47 at one offset within the
 * first packet and again every 188 bytes after it, for three packets (or as many
 * whole packets as there are). Starting mid-packet is allowed, as a pipe joined
 * late delivers it. Fewer than 188 bytes never look like MPEG-TS.
 */
export function looksLikeMpegTs(bytes: Uint8Array): boolean {
  const packets = Math.min(SYNC_PACKETS_CHECKED, Math.floor(bytes.length / TS_PACKET_BYTES));
  if (packets === 0) return false;
  for (let start = 0; start < TS_PACKET_BYTES && start + (packets - 1) * TS_PACKET_BYTES < bytes.length; start++) {
    let synced = true;
    for (let k = 0; k < packets && synced; k++) synced = bytes[start + k * TS_PACKET_BYTES] === TS_SYNC_BYTE;
    if (synced) return true;
  }
  return false;
}

/**
 * Why `bytes` is not whole MPEG-TS packets from its first byte (a sync byte at every
 * 188th byte and a length that is a multiple of 188), or undefined when it is: the
 * strict check of a player's input, where `looksLikeMpegTs` is the lenient sniff of
 * a source.
 */
export function mpegTsProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length % TS_PACKET_BYTES !== 0) return `${bytes.length} bytes is not a whole number of ${TS_PACKET_BYTES}-byte packets`;
  for (let offset = 0; offset < bytes.length; offset += TS_PACKET_BYTES) {
    if (bytes[offset] !== TS_SYNC_BYTE) return `no sync byte 0x47 at offset ${offset} (found 0x${bytes[offset]!.toString(16)})`;
  }
  return undefined;
}

/** A program clock reference read from one packet's adaptation field. */
export interface Pcr {
  pid: number;
  /** 27 MHz ticks: base × 300 + extension. */
  ticks: number;
  /** The packet's discontinuity_indicator: the clock restarts here. */
  discontinuity: boolean;
}

/**
 * The PCR of the packet at `offset`, or undefined when it carries none. Packets
 * without the sync byte, flagged with a transport error, or whose adaptation
 * field is too short for a PCR are ignored rather than trusted.
 */
export function readPcr(bytes: Uint8Array, offset: number): Pcr | undefined {
  if (offset + TS_PACKET_BYTES > bytes.length || bytes[offset] !== TS_SYNC_BYTE) return undefined;
  const b1 = bytes[offset + 1]!;
  if ((b1 & 0x80) !== 0) return undefined; // transport_error_indicator
  const adaptationFieldControl = (bytes[offset + 3]! >> 4) & 0x3;
  if ((adaptationFieldControl & 0x2) === 0) return undefined; // no adaptation field
  const adaptationLength = bytes[offset + 4]!;
  // flags (1) + PCR (6), and the field must fit in the packet.
  if (adaptationLength < 7 || adaptationLength > TS_PACKET_BYTES - 5) return undefined;
  const flags = bytes[offset + 5]!;
  if ((flags & 0x10) === 0) return undefined; // PCR_flag
  const p = offset + 6;
  // 33-bit base: multiplications, not shifts, which would overflow 32 bits.
  const base =
    bytes[p]! * 2 ** 25 + bytes[p + 1]! * 2 ** 17 + bytes[p + 2]! * 2 ** 9 + bytes[p + 3]! * 2 + (bytes[p + 4]! >> 7);
  const extension = ((bytes[p + 4]! & 0x1) << 8) | bytes[p + 5]!;
  return {
    pid: ((b1 & 0x1f) << 8) | bytes[offset + 2]!,
    ticks: base * 300 + extension,
    discontinuity: (flags & 0x80) !== 0,
  };
}

/**
 * Media time of an MPEG-TS stream, from the PCRs of the first PID that carries
 * them. Only plausible steps add to it: a step backwards, a flagged
 * discontinuity or a gap longer than `maxGapMs` (a spliced or looped file)
 * re-anchors the clock instead. The 33-bit wrap is handled.
 */
export class PcrClock {
  /** Milliseconds of media seen, from the first PCR. */
  mediaMs = 0;
  readonly #maxGapTicks: number;
  #pid = -1;
  #last = -1;

  constructor(maxGapMs: number) {
    this.#maxGapTicks = maxGapMs * PCR_TICKS_PER_MS;
  }

  /** Feeds one whole packet; true when it carried a PCR of the clock's PID. */
  observe(bytes: Uint8Array, offset: number): boolean {
    const pcr = readPcr(bytes, offset);
    if (pcr === undefined) return false;
    if (this.#pid === -1) this.#pid = pcr.pid;
    else if (pcr.pid !== this.#pid) return false;
    if (this.#last >= 0 && !pcr.discontinuity) {
      const step = (pcr.ticks - this.#last + PCR_WRAP_TICKS) % PCR_WRAP_TICKS;
      if (step <= this.#maxGapTicks) this.mediaMs += step / PCR_TICKS_PER_MS;
    }
    this.#last = pcr.ticks;
    return true;
  }
}

/** PES stream_ids 0xE0–0xEF: video (ISO/IEC 13818-1, table 2-22). */
const VIDEO_STREAM_ID_MASK = 0xf0;
const VIDEO_STREAM_ID_BITS = 0xe0;

/**
 * What the packet at `offset` starts: a video frame a decoder can begin at
 * ('keyframe': the adaptation field's random_access_indicator, which muxers
 * such as ffmpeg's set on keyframes), another video frame ('frame'), or
 * neither (undefined).
 */
export function videoFrameStart(bytes: Uint8Array, offset: number): 'keyframe' | 'frame' | undefined {
  if (offset + TS_PACKET_BYTES > bytes.length || bytes[offset] !== TS_SYNC_BYTE) return undefined;
  if ((bytes[offset + 1]! & 0x40) === 0) return undefined; // payload_unit_start_indicator
  const adaptationFieldControl = (bytes[offset + 3]! >> 4) & 0x3;
  if ((adaptationFieldControl & 0x1) === 0) return undefined; // no payload
  const hasAdaptationField = (adaptationFieldControl & 0x2) !== 0;
  const adaptationLength = hasAdaptationField ? bytes[offset + 4]! : 0;
  const payload = offset + 4 + (hasAdaptationField ? 1 + adaptationLength : 0);
  if (payload + 4 > offset + TS_PACKET_BYTES) return undefined;
  const startCode = bytes[payload] === 0 && bytes[payload + 1] === 0 && bytes[payload + 2] === 1;
  if (!startCode || (bytes[payload + 3]! & VIDEO_STREAM_ID_MASK) !== VIDEO_STREAM_ID_BITS) return undefined;
  const randomAccess = adaptationLength > 0 && (bytes[offset + 5]! & 0x40) !== 0;
  return randomAccess ? 'keyframe' : 'frame';
}

/**
 * The offset of the first packet at or after `from` (a packet boundary) that
 * starts a video frame a decoder can begin at, stepping whole packets; -1 when
 * there is none.
 */
export function findVideoRandomAccess(bytes: Uint8Array, from = 0): number {
  for (let offset = from; offset + TS_PACKET_BYTES <= bytes.length; offset += TS_PACKET_BYTES) {
    if (videoFrameStart(bytes, offset) === 'keyframe') return offset;
  }
  return -1;
}

/**
 * The offset of the last packet at or after `from` (a packet boundary) that
 * starts a video frame, stepping whole packets; -1 when there is none. A
 * video frame's PES usually has no length: where it ends shows only when the
 * next one starts.
 */
export function findLastVideoFrameStart(bytes: Uint8Array, from = 0): number {
  let last = -1;
  for (let offset = from; offset + TS_PACKET_BYTES <= bytes.length; offset += TS_PACKET_BYTES) {
    if (videoFrameStart(bytes, offset) !== undefined) last = offset;
  }
  return last;
}
