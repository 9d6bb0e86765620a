import { TS_PACKET_BYTES, TS_SYNC_BYTE } from './constants.js';

/** The PID of the Program Association Table (ISO/IEC 13818-1, table 2-3). */
export const PAT_PID = 0;
/** The PID of null packets: stuffing, which every demuxer drops (ISO/IEC 13818-1, table 2-3). */
export const NULL_PID = 0x1fff;
const PAT_TABLE_ID = 0x00;
const PMT_TABLE_ID = 0x02;
/** Section bytes after section_length that are not entries: the CRC. */
const CRC_BYTES = 4;

/**
 * stream_type values of video (ISO/IEC 13818-1 table 2-34 and registrations):
 * MPEG-1/2, MPEG-4 part 2, H.264, HEVC, VVC, AVS, Dirac, VC-1.
 */
const VIDEO_STREAM_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24, 0x33, 0x42, 0xd1, 0xea]);

/** The PID of the packet at `offset` (which must be a whole packet with the sync byte), or -1. */
export function packetPid(bytes: Uint8Array, offset: number): number {
  if (offset + TS_PACKET_BYTES > bytes.length || bytes[offset] !== TS_SYNC_BYTE) return -1;
  return ((bytes[offset + 1]! & 0x1f) << 8) | bytes[offset + 2]!;
}

/** The first offset in `bytes` where MPEG-TS packets begin (a sync byte, and again 188 and 376 bytes on where there are bytes), or -1. */
export function packetBoundary(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== TS_SYNC_BYTE) continue;
    let ok = true;
    for (let next = i + TS_PACKET_BYTES; next < bytes.length && next <= i + 2 * TS_PACKET_BYTES; next += TS_PACKET_BYTES) {
      if (bytes[next] !== TS_SYNC_BYTE) ok = false;
    }
    if (ok) return i;
  }
  return -1;
}

/**
 * The section (table_id to the end of section_length) that the packet at
 * `offset` starts, when it starts one and the section ends inside the packet;
 * undefined otherwise. PAT and PMT of ordinary streams fit in one packet; a
 * longer one is not read.
 */
function sectionIn(bytes: Uint8Array, offset: number, tableId: number): Uint8Array | undefined {
  if (packetPid(bytes, offset) < 0) return undefined;
  if ((bytes[offset + 1]! & 0x40) === 0) return undefined; // payload_unit_start_indicator
  const adaptationFieldControl = (bytes[offset + 3]! >> 4) & 0x3;
  if ((adaptationFieldControl & 0x1) === 0) return undefined;
  const payload = offset + 4 + ((adaptationFieldControl & 0x2) !== 0 ? 1 + bytes[offset + 4]! : 0);
  const end = offset + TS_PACKET_BYTES;
  if (payload >= end) return undefined;
  const start = payload + 1 + bytes[payload]!; // pointer_field
  if (start + 3 > end || bytes[start] !== tableId) return undefined;
  const sectionLength = ((bytes[start + 1]! & 0x0f) << 8) | bytes[start + 2]!;
  if (start + 3 + sectionLength > end) return undefined;
  return bytes.subarray(start, start + 3 + sectionLength);
}

/** The PMT PIDs a PAT packet lists (program 0, the network PID, left out), or undefined when the packet is no whole PAT. */
export function readPatProgramMapPids(bytes: Uint8Array, offset: number): number[] | undefined {
  if (packetPid(bytes, offset) !== PAT_PID) return undefined;
  const section = sectionIn(bytes, offset, PAT_TABLE_ID);
  if (!section) return undefined;
  const pids: number[] = [];
  // Entries start after the 8-byte header and stop before the CRC.
  for (let i = 8; i + 4 <= section.length - CRC_BYTES; i += 4) {
    const program = (section[i]! << 8) | section[i + 1]!;
    if (program !== 0) pids.push(((section[i + 2]! & 0x1f) << 8) | section[i + 3]!);
  }
  return pids;
}

/** An elementary stream a PMT lists. */
export interface ElementaryStream {
  pid: number;
  streamType: number;
  video: boolean;
}

/** The elementary streams a PMT packet lists, or undefined when the packet is no whole PMT. */
export function readPmtStreams(bytes: Uint8Array, offset: number): ElementaryStream[] | undefined {
  const section = sectionIn(bytes, offset, PMT_TABLE_ID);
  if (!section || section.length < 12) return undefined;
  const programInfoLength = ((section[10]! & 0x0f) << 8) | section[11]!;
  const streams: ElementaryStream[] = [];
  for (let i = 12 + programInfoLength; i + 5 <= section.length - CRC_BYTES; ) {
    const streamType = section[i]!;
    const pid = ((section[i + 1]! & 0x1f) << 8) | section[i + 2]!;
    streams.push({ pid, streamType, video: VIDEO_STREAM_TYPES.has(streamType) });
    i += 5 + (((section[i + 3]! & 0x0f) << 8) | section[i + 4]!);
  }
  return streams;
}

/**
 * The PTS (90 kHz ticks, 33 bits) of the PES that the packet at `offset`
 * starts, or undefined when it starts none or the PES carries no PTS.
 */
export function readPesPts(bytes: Uint8Array, offset: number): number | undefined {
  if (packetPid(bytes, offset) < 0 || (bytes[offset + 1]! & 0x40) === 0) return undefined;
  const adaptationFieldControl = (bytes[offset + 3]! >> 4) & 0x3;
  if ((adaptationFieldControl & 0x1) === 0) return undefined;
  const p = offset + 4 + ((adaptationFieldControl & 0x2) !== 0 ? 1 + bytes[offset + 4]! : 0);
  if (p + 14 > offset + TS_PACKET_BYTES) return undefined;
  if (bytes[p] !== 0 || bytes[p + 1] !== 0 || bytes[p + 2] !== 1) return undefined;
  if ((bytes[p + 7]! & 0x80) === 0) return undefined; // PTS_DTS_flags: no PTS
  return readTimestamp(bytes, p + 9);
}

/** A 33-bit PTS or DTS: 3 + 15 + 15 bits, each group followed by a marker bit. */
export function readTimestamp(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! >> 1) & 0x07) * 2 ** 30 +
    bytes[at + 1]! * 2 ** 22 +
    (bytes[at + 2]! >> 1) * 2 ** 15 +
    bytes[at + 3]! * 2 ** 7 +
    (bytes[at + 4]! >> 1)
  );
}

/**
 * The newest PAT and PMT of a stream, kept as copies of their packets so an
 * output can begin with them: a decoder finds nothing before it has read both.
 * Follows the first program the PAT lists.
 */
export class ProgramTables {
  #pat: Uint8Array | undefined;
  #pmt: Uint8Array | undefined;
  #pmtPid = -1;
  #streams: ElementaryStream[] = [];

  /** Both tables have been seen. */
  get ready(): boolean {
    return this.#pat !== undefined && this.#pmt !== undefined;
  }

  /** The elementary streams of the newest PMT. */
  get streams(): readonly ElementaryStream[] {
    return this.#streams;
  }

  /** The newest PMT lists a video stream. */
  get hasVideo(): boolean {
    return this.#streams.some((stream) => stream.video);
  }

  /** The PAT packet then the PMT packet, as copies; empty until both were seen. */
  packets(): Uint8Array {
    if (!this.#pat || !this.#pmt) return new Uint8Array(0);
    const both = new Uint8Array(2 * TS_PACKET_BYTES);
    both.set(this.#pat, 0);
    both.set(this.#pmt, TS_PACKET_BYTES);
    return both;
  }

  /** Feeds one whole packet; true when it was the PAT or the PMT followed. */
  observe(bytes: Uint8Array, offset: number): boolean {
    const pid = packetPid(bytes, offset);
    if (pid === PAT_PID) {
      const pmtPids = readPatProgramMapPids(bytes, offset);
      if (!pmtPids || pmtPids.length === 0) return false;
      this.#pat = bytes.slice(offset, offset + TS_PACKET_BYTES);
      if (pmtPids[0] !== this.#pmtPid) {
        this.#pmtPid = pmtPids[0]!;
        this.#pmt = undefined;
      }
      return true;
    }
    if (pid < 0 || pid !== this.#pmtPid) return false;
    const streams = readPmtStreams(bytes, offset);
    if (!streams) return false;
    this.#pmt = bytes.slice(offset, offset + TS_PACKET_BYTES);
    this.#streams = streams;
    return true;
  }
}
