import { randomBytes } from 'node:crypto';
import { NULL_PID, TS_PACKET_BYTES, TS_SYNC_BYTE } from '@p2pstream/data';

/**
 * End-to-end lag measured on the bytes. The source is looped, so a packet of it
 * is not unique; the pacer therefore inserts, every N source packets, a stamped
 * MPEG-TS null packet (PID 0x1FFF: stuffing, which every demuxer drops) whose
 * payload carries a marker, a per-run id and a sequence number. The sampler
 * remembers when it wrote each one; a scanner on each viewer's stdout finds them
 * again, wherever chunk boundaries cut them, and the difference of the two clock
 * readings (one process, one clock) is that sample's lag.
 */

/** Header of a null packet: sync, PID 0x1FFF, payload only, continuity counter 0. */
const NULL_PACKET_HEADER = [TS_SYNC_BYTE, NULL_PID >> 8, NULL_PID & 0xff, 0x10] as const;
const MARKER = Buffer.from('p2pstream-lag', 'ascii');
const RUN_ID_BYTES = 4;
const SEQUENCE_BYTES = 4;
/** Header, marker and run id: what the scanner looks for. */
const SIGNATURE_BYTES = NULL_PACKET_HEADER.length + MARKER.length + RUN_ID_BYTES;
/** The signature and the sequence number after it: the bytes a match needs. */
const MATCH_BYTES = SIGNATURE_BYTES + SEQUENCE_BYTES;
/** Null packets are stuffed with 0xFF. */
const STUFFING = 0xff;

/** One sample a viewer wrote: its sequence number and how long after the harness wrote it. */
export interface LagSample {
  sequence: number;
  lagMs: number;
}

/** The fixed part of every stamped packet of one run. */
export function lagSignature(runId: Uint8Array): Buffer {
  if (runId.length !== RUN_ID_BYTES) throw new RangeError(`a run id is ${RUN_ID_BYTES} bytes, not ${runId.length}`);
  return Buffer.concat([Buffer.from(NULL_PACKET_HEADER), MARKER, runId]);
}

/** A 188-byte null packet carrying `sequence` (0 … 2^32 - 1) under the run's signature. */
export function stampedPacket(signature: Uint8Array, sequence: number): Buffer {
  const packet = Buffer.alloc(TS_PACKET_BYTES, STUFFING);
  packet.set(signature, 0);
  packet.writeUInt32BE(sequence >>> 0, SIGNATURE_BYTES);
  return packet;
}

/**
 * The harness's side: makes the stamped packets and remembers when each was
 * written (a clock in milliseconds; `performance.now()` by default).
 */
export class LagSampler {
  readonly signature: Buffer;
  readonly #now: () => number;
  /** Write time of sample i at index i. */
  readonly #writtenAt: number[] = [];

  constructor(options: { runId?: Uint8Array; now?: () => number } = {}) {
    this.signature = lagSignature(options.runId ?? randomBytes(RUN_ID_BYTES));
    this.#now = options.now ?? (() => performance.now());
  }

  /** The next stamped packet; its write time is taken now. */
  next(): Buffer {
    const sequence = this.#writtenAt.length;
    this.#writtenAt.push(this.#now());
    return stampedPacket(this.signature, sequence);
  }

  /** Samples written so far. */
  get written(): number {
    return this.#writtenAt.length;
  }

  /** A scanner for one viewer's output, timing its matches against this sampler's writes. */
  scanner(): LagScanner {
    return new LagScanner(this.signature, (sequence) => this.#writtenAt[sequence], this.#now);
  }
}

/**
 * Finds the stamped packets in one output stream, fed in whatever pieces it
 * arrives in, and records each sample's lag once (the first time it is seen).
 */
export class LagScanner {
  readonly #signature: Buffer;
  readonly #writtenAt: (sequence: number) => number | undefined;
  readonly #now: () => number;
  /** The last MATCH_BYTES - 1 bytes seen: a match cut by a piece boundary starts in them. */
  #carry: Buffer = Buffer.alloc(0);
  readonly #seen = new Set<number>();
  readonly samples: LagSample[] = [];

  constructor(signature: Buffer, writtenAt: (sequence: number) => number | undefined, now: () => number) {
    this.#signature = signature;
    this.#writtenAt = writtenAt;
    this.#now = now;
  }

  /** Scans a piece of output that arrived now. */
  push(piece: Uint8Array): void {
    const at = this.#now();
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (this.#carry.length > 0) {
      // Only matches that start in the carry: the ones starting in `bytes` are found below.
      const seam = Buffer.concat([this.#carry, bytes.subarray(0, MATCH_BYTES - 1)]);
      this.#scan(seam, this.#carry.length, at);
    }
    this.#scan(bytes, bytes.length, at);
    const keep = MATCH_BYTES - 1;
    this.#carry =
      bytes.length >= keep ? Buffer.from(bytes.subarray(bytes.length - keep)) : Buffer.concat([this.#carry, bytes]).subarray(-keep);
  }

  /** Records the matches in `bytes` that start before `startsBefore`. */
  #scan(bytes: Buffer, startsBefore: number, at: number): void {
    let from = 0;
    for (;;) {
      const index = bytes.indexOf(this.#signature, from);
      if (index < 0 || index >= startsBefore || index + MATCH_BYTES > bytes.length) return;
      this.#record(bytes.readUInt32BE(index + SIGNATURE_BYTES), at);
      from = index + 1;
    }
  }

  #record(sequence: number, at: number): void {
    if (this.#seen.has(sequence)) return;
    const writtenAt = this.#writtenAt(sequence);
    if (writtenAt === undefined) return;
    this.#seen.add(sequence);
    this.samples.push({ sequence, lagMs: at - writtenAt });
  }
}
