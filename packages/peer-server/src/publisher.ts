import { EventEmitter } from 'node:events';
import {
  Chunker,
  ChunkStore,
  ChunkWindow,
  DEFAULT_CHUNK_MS,
  DEFAULT_WINDOW_CAPACITY,
  MAX_CHUNK_BYTES,
  newSession,
  signPublish,
  TS_SNIFF_BYTES,
  signWindow,
  type SignedState,
  type SignedEnd,
  type SignedHead,
  type Chunk,
  type ChunkerOptions,
  type HeldChunks,
  type StreamKey,
} from '@p2pstream/data';
import type { TrackerClient } from '@p2pstream/tracker-client';
import { END_FLUSH_MS } from './constants.js';
import { InvalidOptionError, SourceFailedError } from './errors.js';
import { GridClock } from './grid-clock.js';
import type { PeerServer } from './peer-server.js';

/** What a publisher needs of central: the subset of `TrackerClient` it calls. */
export type PublisherTracker = Pick<TrackerClient, 'publish' | 'announce' | 'update' | 'leave'>;

/** What a publisher needs of the local peer server. */
export type PublisherServer = Pick<PeerServer, 'port' | 'serve' | 'unserve' | 'flushed'>;

export interface PublisherOptions {
  /** The name viewers look up (1–64 of `A–Z a–z 0–9 . _ -`). */
  name: string;
  /** The stream's identity: its id is the public key; every chunk is signed with it. */
  key: StreamKey;
  /** The bytes to publish: stdin, a file's `read()`, a socket. */
  source: AsyncIterable<Uint8Array>;
  /**
   * `true`: a live stream — a sliding window, chunks served as they are cut, `ended` when the source ends.
   * `false`: a finished stream — the whole source is cut and kept first, then published for viewing from any point.
   */
  live: boolean;
  server: PublisherServer;
  tracker: PublisherTracker;
  /**
   * Announce the stream with `signals: true`, so central relays other entries' WebRTC
   * offers to this node (answer them with `answerWebRTC` from @p2pstream/peer-client).
   * @default false
   */
  signals?: boolean;
  /**
   * Ask central for the URL of its watch page of the stream (`TrackerClient.watchPage`), for a
   * publisher that takes WebRTC, the only peers a page reaches. Needs a central of this version or later.
   * @default false
   */
  askWatchPage?: boolean;
  /**
   * How the source is cut — or a function that decides from the source's first
   * bytes (at least 752 unless it ends sooner), e.g. whether it is MPEG-TS; the
   * function is called once the stream is published, so a live source is not
   * read before viewers can find it. A live stream is cut on time, one chunk
   * every `chunkMs` on a fixed grid (a `GridClock` unless a `clock` is given;
   * `chunkBytes` defaults to 1 MiB), which is what a viewer's play-out clock
   * assumes; a `realtime` source is paced by its media time first.
   * @default {} (the Chunker's defaults)
   */
  chunker?: ChunkerOptions | ((firstBytes: Uint8Array) => ChunkerOptions);
  /**
   * Chunks of a live stream kept for viewers.
   * @default 120 (60 s of 500 ms chunks)
   */
  windowCapacity?: number;
  /**
   * The complete file `source` reads, for a finished stream: its chunks are then
   * served from that file (a `ChunkStore`: per chunk only its place, timestamp and
   * signature stay in memory) instead of being held in memory. The file must not
   * change while it is published. Ignored for a live stream.
   */
  sourceFile?: string;
  /**
   * Bytes of chunks read back from `sourceFile` kept in memory.
   * @default 16 MiB
   */
  cacheBytes?: number;
}

export interface PublisherStats {
  /** Chunks cut so far. */
  chunks: number;
  /** One past the newest chunk. */
  edge: number;
  /** Bytes cut so far. */
  bytes: number;
  /** Still growing. */
  live: boolean;
  /** The source ended (a live stream has its final edge). */
  ended: boolean;
}

export interface PublisherEvents {
  /** Central bound the name to the key and this node is announced: viewers can find it now. */
  published: [streamId: string];
  /**
   * A chunk was cut, signed and offered. Of a finished stream served from its file
   * (`sourceFile`), `data` is good only during the event: the next chunk is cut into
   * the same buffer, the file holding the bytes. Copy it to keep it.
   */
  chunk: [chunk: Chunk];
  /** The source ended; `edge` is the number of chunks. */
  ended: [edge: number];
  /** Central could not be told something (a re-announce); publishing goes on. */
  warning: [error: Error];
}

/**
 * A publishing node: it cuts a source into signed chunks, keeps them in a
 * window its peer server serves (answering `join` with `source: true`), and
 * publishes and announces the stream at central. It lives beside the peer
 * server because it is a serving node whose chunks come from a source instead
 * of from other peers.
 */
export class Publisher extends EventEmitter<PublisherEvents> {
  readonly name: string;
  readonly streamId: string;
  readonly live: boolean;
  /** This publish's session: random, signed with the publish, bound into every chunk's signature. */
  readonly session: Uint8Array;
  /** The chunks served: in memory (`ChunkWindow`), or read from `sourceFile` (`ChunkStore`). */
  readonly window: HeldChunks;
  readonly #store: ChunkStore | undefined;
  /** The heads and the end this publisher signs as it cuts: served with the window. */
  readonly state: SignedState;
  readonly #options: PublisherOptions;
  #bytes = 0;
  #ended = false;
  #announced = false;

  constructor(options: PublisherOptions) {
    super();
    this.name = options.name;
    this.streamId = options.key.streamId;
    this.live = options.live;
    this.session = newSession();
    this.#options = options;
    const capacity = options.windowCapacity ?? DEFAULT_WINDOW_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new InvalidOptionError(`windowCapacity must be an integer >= 1, not ${capacity}`);
    const { sourceFile, cacheBytes } = options;
    this.#store = options.live || sourceFile === undefined ? undefined : ChunkStore.overFile(sourceFile, cacheBytes === undefined ? {} : { cacheBytes });
    this.window = this.#store ?? new ChunkWindow<Chunk>({ live: options.live, capacity });
    this.state = signWindow(options.key, this.session, this.window);
  }

  stats(): PublisherStats {
    return { chunks: this.window.edge, edge: this.window.edge, bytes: this.#bytes, live: this.window.live, ended: this.#ended };
  }

  /**
   * Publishes the stream and cuts the source until it ends (or `signal`
   * aborts). Live: published first, chunks offered as they are cut, then
   * `ended`. Finished: the whole source is cut first, then published.
   * Rejects with central's refusal (e.g. NAME_TAKEN), or SOURCE_FAILED.
   * The stream stays served and announced after it resolves, until `close()`.
   */
  async run(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (this.live) await this.#publish(signal);
    await this.#cut(signal);
    if (this.live) {
      this.window.finish();
      this.#options.tracker.update(this.streamId, { edge: this.window.edge, live: false, ...this.#signed() });
      await this.#announce(signal).catch((error: unknown) => this.#warn(error));
    } else {
      this.window.finish();
      await this.#publish(signal);
    }
    this.#ended = true;
    this.emit('ended', this.window.edge);
  }

  /**
   * Stops publishing: a live stream that is still growing ends here — its end
   * is signed and sent to the peers joined to it (given up to END_FLUSH_MS to
   * leave), so viewers finish instead of waiting for chunks that never come.
   * Then it leaves central for this stream and stops serving it.
   */
  async close(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { server, tracker } = this.#options;
    if (this.live && !this.window.ended) {
      this.window.finish();
      if (this.#announced) tracker.update(this.streamId, { edge: this.window.edge, live: false, ...this.#signed() });
      // Central hears the signed end too, so it lists the stream as finished while the grace runs.
      await Promise.all([
        server.flushed(this.streamId, { timeoutMs: END_FLUSH_MS }),
        this.#announced ? this.#announce(AbortSignal.timeout(END_FLUSH_MS)).catch(() => undefined) : undefined,
      ]);
    }
    server.unserve(this.streamId);
    if (this.#announced) await this.#options.tracker.leave(this.streamId, options).catch(() => undefined);
    await this.#store?.close();
  }

  async #publish(signal: AbortSignal | undefined): Promise<void> {
    const { key, name, tracker, server, askWatchPage } = this.#options;
    const { session } = this;
    const publication = { name, publicKey: key.publicKey, live: this.live, session, sign: (ts: number) => signPublish(key, name, ts, session) };
    await tracker.publish({ ...publication, ...(askWatchPage ? { askWatchPage } : {}) }, { signal });
    server.serve(this.streamId, this.window, { state: this.state, source: true });
    await this.#announce(signal);
    this.#announced = true;
    this.emit('published', this.streamId);
  }

  #announce(signal: AbortSignal | undefined): Promise<unknown> {
    const { window } = this;
    return this.#options.tracker.announce(
      {
        stream: this.streamId,
        port: this.#options.server.port,
        edge: window.edge,
        live: window.live,
        ...(this.#options.signals ? { signals: true } : {}),
        ...this.#signed(),
      },
      { signal },
    );
  }

  /** The newest signed head and the end, if any: central believes the stream's edge only as far as these. */
  #signed(): { head?: SignedHead; end?: SignedEnd } {
    const { head, end } = this.state;
    return { ...(head ? { head } : {}), ...(end ? { end } : {}) };
  }

  /**
   * How `source` is cut. A live stream is cut on a fixed `chunkMs` grid of the
   * clock (a GridClock unless a `clock` is given), one chunk per step, which is
   * what viewers' play-out assumes; a `realtime` source is first paced by its
   * media time (the Chunker's realtime mode, in small steps) and then cut on the
   * grid the same way — cut by media time directly, each chunk would end on the
   * first PCR past its grid line, up to one PCR interval late, so chunks would come
   * unevenly instead of exactly `chunkMs` apart.
   */
  #plan(source: AsyncIterable<Uint8Array>, options: ChunkerOptions, signal: AbortSignal | undefined) {
    if (!this.live) return { bytes: source, chunker: new Chunker(options) };
    const { realtime, bitrate, maxPcrGapMs, ...cut } = options;
    const bytes = realtime
      ? paced(source, {
          mpegts: cut.mpegts ?? false,
          ...(bitrate === undefined ? {} : { bitrate }),
          ...(maxPcrGapMs === undefined ? {} : { maxPcrGapMs }),
          ...(cut.clock ? { clock: cut.clock } : {}),
          ...(signal ? { signal } : {}),
        })
      : source;
    const chunker = new Chunker({ chunkBytes: MAX_CHUNK_BYTES, clock: new GridClock(cut.chunkMs ?? DEFAULT_CHUNK_MS), ...cut });
    return { bytes, chunker };
  }

  async #cut(signal: AbortSignal | undefined): Promise<void> {
    const { tracker, key } = this.#options;
    let source = this.#options.source;
    let options = this.#options.chunker ?? {};
    try {
      if (typeof options === 'function') {
        const { head, rest } = await sniff(source, TS_SNIFF_BYTES);
        options = options(head);
        source = prepend(head, rest);
      }
      // Where each chunk's bytes lie in sourceFile, until an MPEG-TS resync skips bytes of it:
      // from then on a chunk is no longer sure to be one byte range of the file, and is kept in memory.
      let offset = 0;
      let resynced = false;
      const onResync = options.onResync;
      if (this.#store) {
        options = {
          ...options,
          onResync: (skipped) => {
            resynced = true;
            onResync?.(skipped);
          },
        };
      }
      const { bytes, chunker } = this.#plan(source, options, signal);
      for await (const chunk of chunker.chunks(bytes, { key, session: this.session, ...(signal ? { signal } : {}) })) {
        if (this.#store) this.#store.add(chunk, resynced ? undefined : offset);
        else this.window.add(chunk);
        offset += chunk.data.length;
        this.#bytes += chunk.data.length;
        if (this.#announced) tracker.update(this.streamId, { edge: this.window.edge, ...this.#signed() });
        this.emit('chunk', chunk);
        // Kept as a place in the file, not as bytes: the next chunk is cut into its buffer rather
        // than a fresh one, so cutting a long file leaves no garbage for V8 to hold on to.
        if (this.#store && !resynced) chunker.recycle(chunk.data);
      }
    } catch (error) {
      // A chunker option that cannot work is the caller's mistake, not the source's.
      if (signal?.aborted || (error as { code?: string }).code === 'INVALID_OPTION') throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new SourceFailedError(`reading the source of ${this.name} failed: ${why}`, { cause: error });
    }
  }

  #warn(error: unknown): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', error instanceof Error ? error : new Error(String(error)));
  }
}

/** Media time per step when pacing a realtime source before it is cut on the grid. */
const PACE_STEP_MS = 20;

/** `source`, released no faster than its media time (MPEG-TS PCR, or `bitrate`), in small steps. */
async function* paced(
  source: AsyncIterable<Uint8Array>,
  options: Pick<ChunkerOptions, 'mpegts' | 'bitrate' | 'maxPcrGapMs' | 'clock'> & { signal?: AbortSignal },
): AsyncGenerator<Uint8Array> {
  const { signal, ...pacing } = options;
  const pacer = new Chunker({ ...pacing, realtime: true, chunkMs: PACE_STEP_MS });
  for await (const step of pacer.chunks(source, signal ? { signal } : {})) yield step.data;
}

/** Reads from `source` until `bytes` are in or it ends; the rest is still to be read from `rest`. */
async function sniff(source: AsyncIterable<Uint8Array>, bytes: number): Promise<{ head: Uint8Array; rest: AsyncIterator<Uint8Array> }> {
  const rest = source[Symbol.asyncIterator]();
  const pieces: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await rest.next();
    if (next.done) break;
    // Copied: a source may read every piece into one buffer (`FileData.read({ reuseBuffer })`).
    pieces.push(Buffer.from(next.value));
    length += next.value.length;
  }
  return { head: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), rest };
}

async function* prepend(head: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    if (head.length > 0) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}
