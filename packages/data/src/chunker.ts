import { ChunkAssembler, type AssemblerConfig, type Cut, type Pacing } from './chunk-assembler.js';
import type { Chunk, UnsignedChunk } from './chunk.js';
import { sleep, wallClock, type Clock } from '@p2pstream/units';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_CHUNK_MS,
  DEFAULT_MAX_PCR_GAP_MS,
  MAX_CHUNK_BYTES,
  TS_PACKET_BYTES,
} from './constants.js';
import { asBytes } from './data.js';
import { InvalidOptionError } from './errors.js';
import { signChunk } from './signatures.js';
import type { StreamKey } from './stream-key.js';

export interface ChunkerOptions {
  /**
   * Bytes at which a chunk is cut. Rounded down to a multiple of 188 in MPEG-TS mode.
   * At most 1 MiB, the largest chunk the wire carries by default.
   * @default 65536
   */
  chunkBytes?: number;
  /**
   * Milliseconds after its first byte arrived at which a chunk is cut, even if
   * no more bytes come. In realtime mode: the media time a chunk holds at most.
   * @default 500
   */
  chunkMs?: number;
  /**
   * The source is MPEG-TS: cut only between 188-byte packets, and skip to the
   * next sync byte (0x47) when a packet does not start with one.
   * @default false
   */
  mpegts?: boolean;
  /**
   * Play a file out as if it were live: hold each chunk back until its media
   * time has passed on the clock since the first chunk. Media time comes from
   * `bitrate` when given, else from the MPEG-TS PCR (needs `mpegts`).
   * Cuts are then by media time, not by the clock.
   * @default false
   */
  realtime?: boolean;
  /** Bits per second of the source, for realtime pacing by bitrate. */
  bitrate?: number;
  /**
   * A step between two PCRs longer than this is a discontinuity, not elapsed time.
   * @default 1000
   */
  maxPcrGapMs?: number;
  /** Told how many bytes were skipped each time MPEG-TS packet sync was lost. */
  onResync?: (skippedBytes: number) => void;
  /**
   * Where time comes from (chunk `ts`, time cuts, pacing).
   * @default wallClock
   */
  clock?: Clock;
}

export interface ChunksOptions {
  /** Sign every chunk with this key, in `session` (both or neither). */
  key?: StreamKey;
  /** The publish session the chunks belong to (`newSession()`), bound into each signature. */
  session?: Uint8Array;
  signal?: AbortSignal;
}

const TIMER = Symbol('timer');

/** Chunk buffers a chunker keeps to cut into again: one is all a consumer that gives each back needs. */
const MAX_SPARE_CHUNK_BUFFERS = 2;

/**
 * Cuts a byte source (stdin, a file, a socket: any AsyncIterable of bytes) into
 * chunks numbered from 0, cutting at `chunkBytes` or `chunkMs`, whichever
 * comes first. One Chunker can cut several sources; each gets its own seqs.
 */
export class Chunker {
  readonly chunkBytes: number;
  readonly chunkMs: number;
  readonly mpegts: boolean;
  readonly realtime: boolean;
  readonly pacing: Pacing;
  readonly #config: AssemblerConfig;
  readonly #clock: Clock;
  /** Full-size chunk buffers given back with `recycle`, cut into again. */
  readonly #spares: Buffer[] = [];

  constructor(options: ChunkerOptions = {}) {
    const requestedBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.chunkMs = options.chunkMs ?? DEFAULT_CHUNK_MS;
    this.mpegts = options.mpegts ?? false;
    this.realtime = options.realtime ?? false;
    this.#clock = options.clock ?? wallClock;
    const maxPcrGapMs = options.maxPcrGapMs ?? DEFAULT_MAX_PCR_GAP_MS;
    const bitrate = options.bitrate;

    if (!Number.isSafeInteger(requestedBytes) || requestedBytes < 1 || requestedBytes > MAX_CHUNK_BYTES) {
      throw new InvalidOptionError(`chunkBytes must be an integer from 1 to ${MAX_CHUNK_BYTES}, got ${requestedBytes}`);
    }
    if (this.mpegts && requestedBytes < TS_PACKET_BYTES) {
      throw new InvalidOptionError(`chunkBytes must hold at least one ${TS_PACKET_BYTES}-byte packet in MPEG-TS mode`);
    }
    positive('chunkMs', this.chunkMs);
    positive('maxPcrGapMs', maxPcrGapMs);
    if (bitrate !== undefined) {
      positive('bitrate', bitrate);
      if (!this.realtime) throw new InvalidOptionError('bitrate only paces a realtime chunker: add realtime: true');
    }
    if (this.realtime && bitrate === undefined && !this.mpegts) {
      throw new InvalidOptionError('realtime pacing needs a bitrate, or mpegts: true to pace by the PCR');
    }
    this.pacing = !this.realtime ? 'none' : bitrate !== undefined ? 'bitrate' : 'pcr';

    let chunkBytes = requestedBytes;
    // Paced by bitrate, a chunk holds at most chunkMs of media: the bytes that take that long.
    if (this.pacing === 'bitrate') chunkBytes = Math.min(chunkBytes, Math.floor((bitrate! * this.chunkMs) / 8000));
    if (this.mpegts) chunkBytes = Math.max(TS_PACKET_BYTES, chunkBytes - (chunkBytes % TS_PACKET_BYTES));
    this.chunkBytes = Math.max(1, chunkBytes);
    this.#config = {
      chunkBytes: this.chunkBytes,
      chunkMs: this.chunkMs,
      mpegts: this.mpegts,
      pacing: this.pacing,
      bitrate: bitrate ?? 0,
      maxPcrGapMs,
      onResync: options.onResync,
    };
  }

  /**
   * Gives back the data of a chunk this chunker cut once nothing keeps it (its bytes are
   * signed, and kept elsewhere: a publisher of a file keeps only where they lie in it), so
   * a later chunk is cut into the same buffer instead of a fresh one. Give back only what
   * nothing reads any more; data that is not a whole full-size buffer is ignored.
   */
  recycle(data: Uint8Array): void {
    const whole = Buffer.isBuffer(data) && data.byteOffset === 0 && data.length === this.chunkBytes && data.buffer.byteLength === this.chunkBytes;
    if (whole && this.#spares.length < MAX_SPARE_CHUNK_BUFFERS && !this.#spares.includes(data)) this.#spares.push(data);
  }

  /**
   * The chunks of `source`, as they are cut. Stops with the signal's reason when
   * it aborts; closes the source when the loop over it ends early.
   */
  chunks(source: AsyncIterable<Uint8Array>, options: ChunksOptions & { key: StreamKey; session: Uint8Array }): AsyncGenerator<Chunk>;
  chunks(source: AsyncIterable<Uint8Array>, options?: ChunksOptions): AsyncGenerator<UnsignedChunk>;
  async *chunks(source: AsyncIterable<Uint8Array>, options: ChunksOptions = {}): AsyncGenerator<UnsignedChunk> {
    const { key, session, signal } = options;
    if ((key === undefined) !== (session === undefined)) throw new InvalidOptionError('chunks are signed with a key in a session: give both or neither');
    signal?.throwIfAborted();
    const clock = this.#clock;
    const assembler = new ChunkAssembler(this.#config, () => this.#spares.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes));
    const startedAt = clock.now();
    let seq = 0;
    const release = async (cut: Cut): Promise<UnsignedChunk> => {
      signal?.throwIfAborted();
      if (this.pacing !== 'none') await sleep(clock, startedAt + cut.mediaMs - clock.now(), signal);
      const chunk = { seq: seq++, ts: clock.now(), data: cut.data };
      return key === undefined ? chunk : signChunk(key, session!, chunk);
    };

    const iterator = source[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<unknown>> | undefined;
    let ended = false;
    try {
      for (;;) {
        const deadline = assembler.deadline();
        if (deadline !== undefined && deadline <= clock.now()) {
          yield await release(assembler.cutOnTimer(clock.now())!);
          continue;
        }
        pending ??= iterator.next();
        const next = await nextOrTimer(pending, clock, deadline, signal);
        if (next === TIMER) continue;
        pending = undefined;
        if (next.done) {
          ended = true;
          const last = assembler.flush(clock.now());
          if (last !== undefined) yield await release(last);
          return;
        }
        for (const cut of assembler.push(asBytes(next.value), clock.now())) yield await release(cut);
      }
    } finally {
      if (!ended) {
        // With a read still pending, return() may wait behind it forever: do not await it then.
        const closing = (async () => iterator.return?.())().catch(() => undefined);
        if (pending === undefined) await closing;
      }
    }
  }
}

/** The source's next piece, or TIMER when `deadline` (clock ms) comes first; the signal's reason on abort. */
function nextOrTimer<T>(
  pending: Promise<T>,
  clock: Clock,
  deadline: number | undefined,
  signal: AbortSignal | undefined,
): Promise<T | typeof TIMER> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    let handle: unknown;
    const settle = (): void => {
      if (handle !== undefined) clock.clearTimeout(handle);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      settle();
      reject(signal?.reason);
    };
    if (deadline !== undefined) {
      handle = clock.setTimeout(() => {
        settle();
        resolve(TIMER);
      }, deadline - clock.now());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

function positive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`${name} must be a positive number, got ${value}`);
  }
}
