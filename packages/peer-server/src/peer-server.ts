import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
// The browser entry of connection: a PeerServer also serves a page's peers (over data channels), so nothing here reaches node:net.
import { attachHalf, type ConnectionServer, type Connection, type Handlers, type Transport, type UploadLimiter } from '@p2pstream/connection/browser';
import type { HeldChunks } from '@p2pstream/data';
import { WireErrorCode, type JoinMessage, type RejectReason, type RequestMessage } from '@p2pstream/wire';
import {
  CHUNK_ANSWER_OVERHEAD_BYTES,
  DEFAULT_SERVING_SEND_HIGH_WATER_BYTES,
  END_FLUSH_POLL_MS,
  PUBLISHER_FRESH_CHUNKS,
  PUBLISHER_OLDER_CHUNK_RECIPIENTS,
  PUBLISHER_OLDER_CHUNKS_QUEUE_SHARE,
  UPLOAD_SAMPLE_MS,
} from './constants.js';
import { ServerClosedError, StreamAlreadyServedError } from './errors.js';
import type { ResolvedPeerServerOptions } from './options.js';
import { ServedStream, type ServeOptions } from './served-stream.js';
import { ServingPeer, type ServingHooks } from './serving-peer.js';
import { SuperSeeding } from './super-seeding.js';
import { UploadQueue } from './upload-queue.js';
import { UploadSlots } from './upload-slots.js';
import type { Clock } from '@p2pstream/units';

/** `NODE_DEBUG=p2pstream:peer-server`: the upload queue as measured, once a second. */
const trace = debuglog('p2pstream:peer-server');
const TRACE_EVERY_SAMPLES = 10;

export interface PeerServerEvents {
  /** A peer joined one of the streams served here, over `connection` (one it dialed, or with `serveOver` one this peer dialed). */
  join: [peer: string, streamId: string, connection: Connection];
  /** A peer's connection closed. */
  leave: [peer: string];
  /** Something failed without stopping the server (a connection's handler threw, the listening socket failed). */
  warning: [error: Error];
}

/** Upload figures for one connected peer. */
export interface PeerUploadStats {
  /** The peer's address as seen on the socket, `host:port`. */
  peer: string;
  stream: string | undefined;
  bytesUploaded: number;
  chunksServed: number;
  /** Answers waiting to be sent to it. */
  queued: number;
  holdsSlot: boolean;
}

export interface PeerServerStats {
  connections: number;
  /** Chunk payload bytes sent since the server started, to every peer. */
  bytesUploaded: number;
  chunksServed: number;
  /** Requests answered with `reject`, by reason. */
  rejected: Record<RejectReason, number>;
  /** Of the NOT_HELD refusals, those of a finished stream's chunk held back for the peer it went to first (`superSeedMs`). */
  heldBackForSuperSeeding: number;
  /** Chunk bytes waiting to be sent. */
  queuedBytes: number;
  /**
   * How fast answers have been leaving while some waited, bytes per second (the
   * uplink as measured, or the upload limit if lower); the upload limit, or null,
   * while the last 10 s hold less than half a second of such measurement.
   */
  drainBytesPerSecond: number | null;
  /** How long an answer admitted now would wait behind those ahead of it, ms; requests are answered BUSY beyond `maxQueueDelayMs`. */
  uploadWaitMs: number;
  slots: { holders: number; refused: number; rotations: number };
  peers: PeerUploadStats[];
}

/**
 * The serving half of a peer. It listens, serves the streams it was given
 * (each a `ChunkWindow` in memory or a `ChunkStore` on disk, looked up by stream id), answers `join` with the
 * buffer map, pushes `have` for every chunk the window takes and `ended` when a
 * live stream ends, answers `request` with the chunk or a `reject`, and honours
 * `cancel` — within its upload limit and upload slots. It serves nothing else:
 * a request is only ever answered from the window of the stream the peer joined.
 */
export class PeerServer extends EventEmitter<PeerServerEvents> {
  /** Where it listens (port 0 when made with `listen: false`). */
  readonly host: string;
  readonly port: number;
  /** The port asked for; differs from `port` when that one was taken. */
  readonly requestedPort: number;
  readonly #options: ResolvedPeerServerOptions;
  readonly #server: ConnectionServer;
  readonly #clock: Clock;
  readonly #slots: UploadSlots<ServingPeer>;
  readonly #uploadQueue: UploadQueue;
  /** Bytes that have left for the network to every peer so far, as `#sampleUpload()` adds them up. */
  #flushedBytes = 0;
  #sampleTimer: unknown;
  #samples = 0;
  readonly #streams = new Map<string, ServedStream>();
  /** Per stream this node is the source of, while `superSeedMs` is on; consulted only once the stream has ended. */
  readonly #superSeeding = new Map<ServedStream, SuperSeeding<ServingPeer>>();
  #heldBack = 0;
  readonly #peers = new Map<Connection, ServingPeer>();
  readonly #rejected: Record<RejectReason, number> = { NOT_HELD: 0, OUTSIDE_WINDOW: 0, BUSY: 0, UNKNOWN_STREAM: 0 };
  readonly #hooks: ServingHooks;
  #bytesUploaded = 0;
  #chunksServed = 0;
  #queuedBytes = 0;
  #closing: Promise<void> | undefined;

  /** Use `startPeerServer()`. */
  constructor(server: ConnectionServer, options: ResolvedPeerServerOptions, clock: Clock) {
    super();
    this.#server = server;
    this.#options = options;
    this.#clock = clock;
    // A peer whose answers pile up unread (its connection stopped reading it) gives its slot to one that waits.
    this.#slots = new UploadSlots<ServingPeer>({ ...options.slots, isStalled: (peer) => peer.connection.readsPaused });
    this.#uploadQueue = new UploadQueue({
      maxQueueMs: options.maxQueueDelayMs,
      ...(options.uploadLimiter ? { ceilingBytesPerSecond: options.uploadLimiter.bytesPerSecond } : {}),
    });
    const { address, port } = server.listening ? server.address() : { address: options.host, port: 0 };
    this.host = address;
    this.port = port;
    this.requestedPort = options.port;
    this.#hooks = {
      uploadLimiter: options.uploadLimiter,
      sent: (peer, bytes, seq) => {
        this.#bytesUploaded += bytes;
        this.#chunksServed += 1;
        if (peer.stream?.window.ended) this.#superSeeding.get(peer.stream)?.sent(peer, seq);
      },
      dequeued: (bytes) => {
        this.#queuedBytes -= bytes;
      },
      rejected: (reason) => {
        this.#rejected[reason] += 1;
      },
    };
    server.on('error', (error) => this.#warn(error));
  }

  /** Stream ids served here. */
  get streams(): readonly string[] {
    return [...this.#streams.keys()];
  }

  /**
   * Bytes a connection it serves buffers before answers wait here (where `cancel` can still
   * drop them): a peer that serves over the connections it dials (`serveOver`) dials them with it,
   * so they are served as the accepted ones are.
   */
  get sendHighWaterBytes(): number {
    return this.#options.limits.sendHighWaterBytes ?? DEFAULT_SERVING_SEND_HIGH_WATER_BYTES;
  }

  /** The upload limiter in force, if any. */
  get uploadLimiter(): UploadLimiter | undefined {
    return this.#options.uploadLimiter;
  }

  serves(streamId: string): boolean {
    return this.#streams.has(streamId);
  }

  /**
   * Serves `window` as stream `streamId` from now on: peers may join it, and
   * each chunk added to the window is announced to them at once. Chunks in
   * memory are answered at once; a `ChunkStore`'s are read from its file first.
   */
  serve(streamId: string, window: HeldChunks, options: ServeOptions): void {
    if (this.#closing) throw new ServerClosedError();
    if (this.#streams.has(streamId)) throw new StreamAlreadyServedError(streamId);
    const stream = new ServedStream(streamId, window, options);
    this.#streams.set(streamId, stream);
    if (stream.source && this.#options.superSeedMs > 0) {
      this.#superSeeding.set(
        stream,
        new SuperSeeding<ServingPeer>({
          holdMs: this.#options.superSeedMs,
          clock: this.#clock,
          isJoined: (peer) => peer.stream === stream && peer.connection.state === 'open',
          reannounce: (peer, seq) => void peer.connection.send({ t: 'have', seq }),
        }),
      );
    }
  }

  /**
   * Resolves once nothing waits to go out to the peers joined to `streamId` (so
   * what was sent them last, such as a signed end, has left), or after
   * `timeoutMs`, whichever comes first.
   */
  async flushed(streamId: string, options: { timeoutMs: number }): Promise<void> {
    const stream = this.#streams.get(streamId);
    const deadline = this.#clock.now() + options.timeoutMs;
    const queued = () => [...(stream?.peers ?? [])].some((peer) => peer.connection.state === 'open' && peer.connection.queuedFrames > 0);
    while (queued() && this.#clock.now() < deadline) {
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, END_FLUSH_POLL_MS));
    }
  }

  /** Stops serving a stream; peers joined to it are disconnected. */
  unserve(streamId: string): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    this.#streams.delete(streamId);
    stream.detach();
    this.#superSeeding.get(stream)?.close();
    this.#superSeeding.delete(stream);
    for (const peer of stream.peers) {
      peer.stream = undefined;
      void peer.connection.close({ code: WireErrorCode.unknownStream, message: 'this peer stopped serving the stream' });
    }
  }

  stats(): PeerServerStats {
    const { refused, rotations } = this.#slots.counters;
    return {
      connections: this.#peers.size,
      bytesUploaded: this.#bytesUploaded,
      chunksServed: this.#chunksServed,
      rejected: { ...this.#rejected },
      heldBackForSuperSeeding: this.#heldBack,
      queuedBytes: this.#queuedBytes,
      drainBytesPerSecond: this.#uploadQueue.drainBytesPerSecond ?? null,
      uploadWaitMs: this.#uploadQueue.waitMs(this.#clock.now()),
      slots: { holders: this.#slots.holders.length, refused, rotations },
      peers: [...this.#peers.values()].map((peer) => ({
        peer: peer.id,
        stream: peer.stream?.id,
        bytesUploaded: peer.bytesUploaded,
        chunksServed: peer.chunksServed,
        queued: peer.queued,
        holdsSlot: this.#slots.holds(peer),
      })),
    };
  }

  /**
   * Serves a peer that reached this server over a transport other than its TCP
   * listener (one end of an in-memory pair, a data channel), under the same
   * connection limits and handshake as the peers that dial it.
   */
  accept(transport: Transport): void {
    this.#server.accept(transport);
  }

  /**
   * Serves the peer at the other end of a connection this peer dialed (a symmetric connection):
   * it may join a stream served here and request chunks over it under the same upload limit,
   * upload slots, BUSY rules and `maxPeersPerStream` as a peer that dialed here; an address this
   * server has banned is refused `BANNED`. The `map` it gets names this server's port, so it
   * knows this peer as central lists it and does not dial it a second time.
   * Throws `HALF_TAKEN` if the connection is served already.
   */
  serveOver(connection: Connection): void {
    if (this.#closing) throw new ServerClosedError();
    attachHalf(connection, 'serving', {
      join: (message, dialed) => this.#onJoin(message, dialed, { dialedHere: true }),
      request: (message, dialed) => this.#onRequest(message, dialed),
      cancel: (message, dialed) => this.#peers.get(dialed)?.cancel(message.seq),
    });
  }

  /** Stops listening and closes every connection (each peer is told SHUTTING_DOWN). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopSampling();
      for (const id of [...this.#streams.keys()]) this.#streams.get(id)?.detach();
      this.#streams.clear();
      for (const superSeeding of this.#superSeeding.values()) superSeeding.close();
      this.#superSeeding.clear();
      await this.#server.close({ code: WireErrorCode.shuttingDown, message: 'the peer is shutting down' });
    })();
    return this.#closing;
  }

  /** The connection handlers; bound once, given to every accepted connection. */
  static handlers(server: () => PeerServer): Handlers {
    return {
      join: (message, connection) => server().#onJoin(message, connection),
      request: (message, connection) => server().#onRequest(message, connection),
      cancel: (message, connection) => server().#peers.get(connection)?.cancel(message.seq),
    };
  }

  #peerOf(connection: Connection): ServingPeer {
    let peer = this.#peers.get(connection);
    if (!peer) {
      const created = new ServingPeer(connection, this.#hooks);
      peer = created;
      this.#peers.set(connection, created);
      if (this.#sampleTimer === undefined && !this.#closing) this.#sampleUpload();
      connection.on('close', () => {
        this.#peers.delete(connection);
        if (this.#peers.size === 0) this.#stopSampling();
        created.stream?.peers.delete(created);
        created.close();
        this.#slots.release(created);
        this.emit('leave', created.id);
      });
    }
    return peer;
  }

  #onJoin(message: JoinMessage, connection: Connection, options: { dialedHere?: boolean } = {}): void {
    // An address banned here is refused over a connection this peer dialed as it is when it dials in.
    if (options.dialedHere && this.#server.bans.banned(connection.remoteAddress)) {
      connection.replyError(message, WireErrorCode.banned, `${connection.remoteAddress} is banned here after misbehaving`);
      return;
    }
    const peer = this.#peerOf(connection);
    if (peer.stream && peer.stream.id !== message.stream) {
      // `have` carries no stream id: one connection serves one stream.
      connection.replyError(message, WireErrorCode.alreadyJoined, `this connection already joined stream ${peer.stream.id}; open another to join a second`);
      return;
    }
    const stream = this.#streams.get(message.stream);
    if (!stream) {
      connection.replyError(message, WireErrorCode.unknownStream, `this peer does not carry stream ${message.stream}`);
      return;
    }
    const first = peer.stream === undefined;
    if (first && stream.peers.size >= this.#options.maxPeersPerStream) {
      connection.replyError(message, WireErrorCode.streamFull, `this peer serves ${stream.peers.size} peers of this stream already; dial another`);
      return;
    }
    peer.stream = stream;
    stream.peers.add(peer);
    // Only a peer that joined back over a connection this one dialed is told the port (one that knows the field).
    const port = options.dialedHere && this.port > 0 ? { port: this.port } : {};
    connection.reply(message, { t: 'map', ...stream.map(), ...port });
    stream.sendSignedState(peer);
    if (first) this.emit('join', peer.id, stream.id, connection);
  }

  #onRequest(message: RequestMessage, connection: Connection): void {
    const peer = this.#peerOf(connection);
    const reason = this.#refusal(peer, message.seq);
    if (reason !== undefined) {
      this.#rejected[reason] += 1;
      connection.reply(message, { t: 'reject', seq: message.seq, reason });
      return;
    }
    const stream = peer.stream!;
    if (stream.window.ended) this.#superSeeding.get(stream)?.offered(peer, message.seq);
    // Only a live window's older chunks are ever held back by who got them; a finished stream's are not worth recording.
    if (stream.window.live) stream.recipients?.record(message.seq, connection.remoteAddress, stream.window);
    const bytes = stream.window.dataBytes(message.seq)! + CHUNK_ANSWER_OVERHEAD_BYTES;
    this.#queuedBytes += bytes;
    this.#uploadQueue.admitted(bytes);
    peer.enqueue(message, bytes);
  }

  /**
   * Measures how fast answers leave and how much waits, every UPLOAD_SAMPLE_MS while
   * any peer is connected: what decides whether a request is answered or BUSY.
   */
  #sampleUpload(): void {
    let waiting = 0;
    for (const peer of this.#peers.values()) {
      const drain = peer.drainSince();
      this.#flushedBytes += drain.flushed;
      waiting += drain.waiting;
    }
    const now = this.#clock.now();
    this.#uploadQueue.sample(now, this.#flushedBytes, waiting);
    if (trace.enabled && ++this.#samples % TRACE_EVERY_SAMPLES === 0) {
      const rate = this.#uploadQueue.drainBytesPerSecond;
      trace(
        'upload: %d B flushed, %d B waiting, drain %s B/s, wait %d ms, BUSY %d so far',
        this.#flushedBytes,
        waiting,
        rate === undefined ? 'unknown' : Math.round(rate),
        Math.round(this.#uploadQueue.waitMs(now)),
        this.#rejected.BUSY,
      );
    }
    this.#sampleTimer = this.#clock.setTimeout(() => this.#sampleUpload(), UPLOAD_SAMPLE_MS);
  }

  #stopSampling(): void {
    if (this.#sampleTimer === undefined) return;
    this.#clock.clearTimeout(this.#sampleTimer);
    this.#sampleTimer = undefined;
  }

  /** Why `peer`'s request for `seq` is refused, or undefined when it is queued for an answer. */
  #refusal(peer: ServingPeer, seq: number): RejectReason | undefined {
    const window = peer.stream?.window;
    if (!window) return WireErrorCode.unknownStream;
    if (seq < window.base || (window.ended && seq >= window.edge)) return WireErrorCode.outsideWindow;
    const dataBytes = window.dataBytes(seq);
    if (dataBytes === undefined) return WireErrorCode.notHeld;
    if (window.ended && this.#superSeeding.get(peer.stream!)?.admits(peer, seq) === false) {
      this.#heldBack += 1;
      return WireErrorCode.notHeld;
    }
    if (peer.queued >= this.#options.maxQueuedPerPeer) return WireErrorCode.busy;
    const now = this.#clock.now();
    if (!this.#slots.acquire(peer, now)) return WireErrorCode.busy;
    // Queued beyond what the uplink drains in time, the answer would come after the asker gave up on it.
    // The publisher is the only source of its newest chunks: older ones, which other peers hold by now, get less of its queue —
    // unless it gave one to a single address, which may pass nothing on.
    const recipients = peer.stream!.recipients;
    const older =
      recipients !== undefined && window.live && seq < window.edge - PUBLISHER_FRESH_CHUNKS && recipients.count(seq) >= PUBLISHER_OLDER_CHUNK_RECIPIENTS;
    const limitMs = older ? this.#options.maxQueueDelayMs * PUBLISHER_OLDER_CHUNKS_QUEUE_SHARE : this.#options.maxQueueDelayMs;
    if (!this.#uploadQueue.admits(now, limitMs)) return WireErrorCode.busy;
    return undefined;
  }

  #warn(error: Error): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', error);
  }
}
