import { VIOLATION_PENALTY, type CloseReason } from '@p2pstream/connection/browser';
import {
  ChunkWindow,
  DEFAULT_CHUNK_MS,
  RandomAccessStart,
  verifyChunkWebCrypto,
  webCryptoVerifierFor,
  type Chunk,
  type WebCryptoVerifier,
} from '@p2pstream/data/browser';
import { acceptingPeerServer, type PeerServer } from '@p2pstream/peer-server/browser';
import { ChunkRefusedError, Scheduler, type RefusalReason } from '@p2pstream/scheduler';
import { TrackerClient } from '@p2pstream/tracker-client/browser';
import { monotonicClock } from '@p2pstream/units';
import type { IceServer, PeerConnectionClass } from '@p2pstream/webrtc';
import { WireErrorCode, type MapMessage, type RejectReason } from '@p2pstream/wire';
import { clipBufferMap, HeldBack } from './believed-maps.js';
import {
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_CHUNK_SKEW_MS,
  DEFAULT_MAX_PEERS,
  DEFAULT_RATE_WINDOW_MS,
  DEFAULT_REDIAL_BACKOFF_MS,
  DEFAULT_RELOOKUP_MS,
} from './constants.js';
import { BadChunkError, ClientClosedError, InvalidOptionError, PeerDroppedError, PeerGoneError, PeerRefusedError } from './errors.js';
import type { PeerLink } from './peer-link.js';
import { PeerPool } from './peer-pool.js';
import { SinkWriter } from './sink-writer.js';
import type { StreamInfo } from './peer-client.js';
import { ViewerCounters, type ViewerSkipCause } from './viewer-stats.js';
import { WebCryptoState } from './webcrypto-state.js';
import { answerWebRTC, type WebRTCAnswerer } from './webrtc-answerer.js';
import { webRTCDial } from './webrtc-dial.js';

export interface WatchOptions {
  /** Central's WebSocket endpoint, `ws://HOST:PORT/ws` (central runs with `--ws`). */
  central: string;
  /** The stream's name at central. */
  stream: string;
  /** Called with the stream's MPEG-TS bytes in order, from a random-access point (PAT, PMT, a keyframe) on. */
  onBytes(bytes: Uint8Array): void;
  /**
   * STUN/TURN servers for the data channels; host candidates suffice on one host or LAN.
   * @default []
   */
  iceServers?: IceServer[];
  /**
   * Peers fetched from at once.
   * @default 20
   */
  maxPeers?: number;
  /**
   * Chunks a live stream's window keeps (what memory holds: about a minute of 500 ms chunks).
   * @default 120
   */
  windowCapacity?: number;
  /**
   * Milliseconds from the first signal to an open data channel, per peer.
   * @default 15_000
   */
  openTimeoutMs?: number;
  /** Recoverable problems: a peer that failed, a set-up that did not open, a look-up that failed. */
  onWarning?(error: Error): void;
  /** `RTCPeerConnection` to use. @default the page's */
  RTCPeerConnection?: PeerConnectionClass;
  /**
   * Serve what this page holds to other pages and Node peers that reach it through central
   * (their offers answered with data channels), under a peer server's limits. Live streams only.
   * @default true
   */
  share?: boolean;
  /** Stops watching (as `close()`); before the look-up resolved, `watch` rejects. */
  signal?: AbortSignal;
}

/** What a page shows about its viewer (a subset of the Node client's `ViewerStats`). */
export interface BrowserViewerStats {
  peers: number;
  played: number;
  skipped: number;
  /** Skipped chunks by why (`ViewerSkipCause`). */
  skippedByCause: Record<ViewerSkipCause, number>;
  continuity: number;
  bytesFromPublisher: number;
  bytesFromPeers: number;
  badChunks: number;
  /** Bytes this page served to other peers. */
  bytesUploaded: number;
  /** Milliseconds from the newest chunk played being cut to now (publisher's clock against the page's). */
  lagMs: number | null;
}

const REFUSALS: Record<Exclude<RejectReason, typeof WireErrorCode.unknownStream>, RefusalReason> = {
  [WireErrorCode.notHeld]: 'not-held',
  [WireErrorCode.outsideWindow]: 'outside-window',
  [WireErrorCode.busy]: 'busy',
};

const PROTOCOL_VIOLATIONS: ReadonlySet<string> = new Set(['PROTOCOL_VIOLATION', 'MALFORMED', 'INVALID_FIELD', 'UNKNOWN_TYPE', 'FRAME_TOO_LARGE']);

/** A page's entry at central is a port number nobody listens on: central relays signals to it, and peers reach it only through them. */
const randomEntryPort = (): number => 1024 + Math.floor(Math.random() * (65536 - 1024));

/**
 * Watches a stream from a page: looks it up at central over WebSocket, opens WebRTC data
 * channels to the peers that take signals (a publisher or viewer run with `--webrtc`),
 * fetches with the scheduler, verifies every chunk, head and end with WebCrypto, keeps a
 * bounded window, and hands the stream out in order from a random-access point.
 * Resolves once the stream was found and fetching began.
 */
export async function watch(options: WatchOptions): Promise<BrowserViewer> {
  const viewer = new BrowserViewer(options);
  await viewer.start();
  return viewer;
}

/**
 * The browser's viewer: the Node client's parts (peer pool and links, the scheduler and its
 * play-out rule, the sink writer, held-back claims) with WebCrypto instead of node:crypto,
 * central over WebSocket, peers over data channels, and the bytes to a callback. It does
 * serves what it holds (live streams) to the peers that reach it, through a peer server that
 * listens on nothing and takes the data channels its WebRTC answerer opens.
 */
export class BrowserViewer {
  readonly name: string;
  readonly #options: WatchOptions;
  readonly #tracker: TrackerClient;
  readonly #counters = new ViewerCounters();
  readonly #heldBack = new Map<string, HeldBack>();
  readonly #start: RandomAccessStart;
  #info: StreamInfo | undefined;
  #verifier: WebCryptoVerifier | undefined;
  #state: WebCryptoState | undefined;
  #window: ChunkWindow | undefined;
  #writer: SinkWriter | undefined;
  #scheduler: Scheduler | undefined;
  #pool: PeerPool | undefined;
  /** With `share`: serves the window to the peers whose offers the answerer takes. */
  #server: PeerServer | undefined;
  #answerer: WebRTCAnswerer | undefined;
  #entryPort = 0;
  #announced = false;
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(options: WatchOptions) {
    const maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS;
    if (!Number.isSafeInteger(maxPeers) || maxPeers < 1) throw new InvalidOptionError(`maxPeers must be a positive integer, not ${maxPeers}`);
    if (typeof options.onBytes !== 'function') throw new InvalidOptionError('onBytes must be a function: it receives the stream');
    this.name = options.stream;
    this.#options = options;
    this.#start = new RandomAccessStart();
    this.#tracker = new TrackerClient({ centrals: [options.central] });
    this.#tracker.on('warning', (error) => this.#warn(error));
  }

  /** What central said, once started. */
  get info(): StreamInfo | undefined {
    return this.#info;
  }

  async start(): Promise<StreamInfo> {
    if (this.#closed || this.#info) throw new ClientClosedError();
    const { signal } = this.#options;
    signal?.throwIfAborted();
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    try {
      return await this.#begin();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async #begin(): Promise<StreamInfo> {
    const options = this.#options;
    const signal = options.signal;
    this.#counters.startedAt = Date.now();
    const found = await this.#tracker.lookup(this.name, signal ? { signal } : {});
    const info: StreamInfo = { name: found.name, streamId: found.stream, live: found.live, edge: found.edge, session: found.session, peers: found.peers.length };
    this.#verifier = await webCryptoVerifierFor(info.streamId);
    if (this.#closed) throw new ClientClosedError();
    this.#info = info;
    const window = new ChunkWindow<Chunk>({ live: info.live, ...(options.windowCapacity ? { capacity: options.windowCapacity } : {}) });
    this.#window = window;
    const writer = new SinkWriter({
      live: info.live,
      from: 0,
      window,
      sink: { write: (data) => this.#out(data) },
      counters: this.#counters,
      wallClock: Date.now,
      onPlayed: () => undefined,
      onSkipped: () => undefined,
      onEnd: () => void this.#pool?.close(),
      onWarning: (error) => this.#warn(error),
    });
    this.#writer = writer;
    window.onChunk(() => writer.chunkAdded());
    const scheduler = this.#createScheduler(info.live);
    this.#scheduler = scheduler;
    scheduler.start();
    const state = new WebCryptoState(this.#verifier, info.session);
    this.#state = state;
    state.onHead(({ edge }) => this.#believeUpTo(edge));
    state.onEnd(({ edge }) => {
      this.#believeUpTo(edge);
      this.#ended(edge);
    });
    // Re-sharing: what this page holds is served to the peers that reach it (their offers answered through central).
    if (options.share ?? true) {
      const server = acceptingPeerServer();
      server.on('warning', (error) => this.#warn(error));
      this.#server = server;
      if (info.live) server.serve(info.streamId, window, { state });
    }
    // Central relays signals only between entries it knows: this page announces an entry of its own.
    this.#entryPort = randomEntryPort();
    await this.#tracker.announce({ stream: info.streamId, port: this.#entryPort, edge: 0, live: info.live, signals: true }, signal ? { signal } : {});
    this.#announced = true;
    if (this.#closed) throw new ClientClosedError();
    const webrtc = {
      RTCPeerConnection: options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: PeerConnectionClass }).RTCPeerConnection!,
      iceServers: options.iceServers ?? [],
      ...(options.openTimeoutMs ? { openTimeoutMs: options.openTimeoutMs } : {}),
    };
    const server = this.#server;
    if (server) {
      this.#answerer = answerWebRTC({ ...webrtc, tracker: this.#tracker, server: { accept: (transport) => server.accept(transport) }, onWarning: (error) => this.#warn(error) });
    }
    const dial = webRTCDial({ ...webrtc, tracker: this.#tracker, stream: info.streamId });
    const clock = monotonicClock;
    this.#pool = new PeerPool({
      name: this.name,
      tracker: this.#tracker,
      maxPeers: options.maxPeers ?? DEFAULT_MAX_PEERS,
      relookupMs: DEFAULT_RELOOKUP_MS,
      redialBackoffMs: DEFAULT_REDIAL_BACKOFF_MS,
      clock,
      link: {
        streamId: info.streamId,
        session: info.session,
        localAddress: undefined,
        dial,
        limits: { handshakeTimeout: DEFAULT_DIAL_TIMEOUT_MS },
        clock,
        keepaliveMs: DEFAULT_KEEPALIVE_MS,
        fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
        rateWindowMs: DEFAULT_RATE_WINDOW_MS,
      },
      onLink: (link) => this.#onLink(link),
      onWarning: (error) => this.#warn(error),
    });
    // Not this page's own entry: central lists it too once announced.
    this.#pool.start(found.peers);
    return info;
  }

  stats(): BrowserViewerStats {
    const c = this.#counters;
    return {
      peers: this.#pool?.links.size ?? 0,
      played: c.played,
      skipped: c.skipped,
      skippedByCause: { ...c.skippedByCause },
      continuity: c.continuity(),
      bytesFromPublisher: c.bytesFromPublisher,
      bytesFromPeers: c.bytesFromPeers,
      badChunks: c.badChunks,
      bytesUploaded: this.#server?.stats().bytesUploaded ?? 0,
      lagMs: c.lastPlayedTs === undefined ? null : Date.now() - c.lastPlayedTs,
    };
  }

  /** Stops fetching, closes every data channel, leaves central and closes the WebSocket to it. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#scheduler?.close();
    this.#answerer?.close();
    await Promise.all([this.#pool?.close(), this.#server?.close()]);
    if (this.#announced && this.#info) await this.#tracker.leave(this.#info.streamId).catch(() => undefined);
    await this.#tracker.close();
  }

  #out(data: Uint8Array): void {
    if (this.#closed) return;
    for (const piece of this.#start.push(data)) this.#options.onBytes(piece);
  }

  #createScheduler(live: boolean): Scheduler {
    const scheduler = new Scheduler({
      fetch: (peer, seq, { signal }) => this.#fetch(peer, seq, signal),
      clock: monotonicClock,
      live,
      chunkDurationMs: DEFAULT_CHUNK_MS,
    });
    if (live) {
      scheduler.on('played', ({ seq }) => this.#writer?.play(seq));
      scheduler.on('missed', ({ seq, cause, peers }) => this.#writer?.skip(seq, cause, peers));
      scheduler.on('rebuffered', () => void (this.#counters.rebuffers += 1));
      scheduler.on('ended', () => this.#writer?.finish());
    }
    scheduler.on('timedOut', () => void (this.#counters.timeouts += 1));
    scheduler.on('peerFailing', ({ peer }) => this.#drop(peer, 'it failed repeatedly'));
    scheduler.on('error', (error) => this.#warn(error));
    return scheduler;
  }

  async #fetch(peer: string, seq: number, signal: AbortSignal): Promise<number> {
    const link = this.#pool?.links.get(peer);
    if (!link) throw new PeerGoneError(peer);
    const reply = await link.fetch(seq, signal);
    if (reply.t === 'reject') {
      if (reply.reason !== WireErrorCode.unknownStream) throw new ChunkRefusedError(peer, seq, REFUSALS[reply.reason]);
      this.#drop(peer, 'it no longer carries the stream');
      throw new PeerRefusedError(peer, 'it no longer carries the stream');
    }
    const info = this.#info!;
    const verified = reply.seq === seq && (await verifyChunkWebCrypto(this.#verifier!, info.session, reply));
    if (!verified || (info.live && Math.abs(reply.ts - Date.now()) > DEFAULT_MAX_CHUNK_SKEW_MS)) {
      this.#counters.badChunks += 1;
      this.#drop(peer, `it sent a bad chunk ${seq}`, { ban: true });
      throw new BadChunkError(peer, seq);
    }
    const bytes = reply.data.length;
    link.receivedBytes(bytes);
    if (link.source) this.#counters.bytesFromPublisher += bytes;
    else this.#counters.bytesFromPeers += bytes;
    const window = this.#window!;
    if (this.#closed) return bytes;
    if (window.has(seq)) {
      this.#counters.duplicateBytes += bytes;
      return bytes;
    }
    // A copy (Uint8Array's, not Buffer's slice, which is a view): the payload is a view into the connection's read buffer, which a window would pin.
    if (window.add({ seq, ts: reply.ts, data: new Uint8Array(reply.data), sig: new Uint8Array(reply.sig) }) && this.#server) {
      // Central lists carriers by their edge: tell it how far this page holds.
      this.#tracker.update(info.streamId, { edge: window.edge });
    }
    return bytes;
  }

  #onLink(link: PeerLink): void {
    const scheduler = this.#scheduler!;
    const state = this.#state!;
    const heldBack = new HeldBack(link.map);
    this.#heldBack.set(link.address, heldBack);
    scheduler.addPeer(link.address, clipBufferMap(link.map, state.believed));
    this.#learn(link.map);
    link.activate({
      have: (from, seq) => {
        if (seq < state.believed) scheduler.peerHas(from.address, seq);
        else heldBack.have(seq);
      },
      head: (from, head) => void state.offerHead(head).then((offer) => offer === 'bad' && this.#lied(from.address, 'head')),
      end: (from, end) => void state.offerEnd(end).then((offer) => offer === 'bad' && this.#lied(from.address, 'end')),
      map: (from, map) => {
        heldBack.setMap(map);
        scheduler.addPeer(from.address, clipBufferMap(map, state.believed));
        this.#learn(map);
      },
      close: (from, reason: CloseReason) => {
        if (this.#pool?.links.get(from.address) !== from) return;
        this.#heldBack.delete(from.address);
        this.#pool.closed(from);
        scheduler.removePeer(from.address);
        if (!reason.byRemote && PROTOCOL_VIOLATIONS.has(reason.code)) this.#pool.penalize(from.address, VIOLATION_PENALTY);
      },
    });
  }

  #learn(map: MapMessage): void {
    this.#believeEdge(Math.min(map.edge, this.#state!.believed));
  }

  /** A newer signed head (or the end) lets the chunks peers claimed below `limit` count. */
  #believeUpTo(limit: number): void {
    const from = this.#state!.believedBefore(limit);
    if (from === undefined) return;
    this.#believeEdge(limit);
    const scheduler = this.#scheduler!;
    for (const [address, heldBack] of this.#heldBack) {
      const { inMap, haves } = heldBack.release(from, limit);
      for (const seq of inMap) scheduler.peerHas(address, seq, { fromMap: true });
      for (const seq of haves) scheduler.peerHas(address, seq);
    }
  }

  #believeEdge(edge: number): void {
    if (edge > 0 && this.#writer?.finalEdge === undefined) this.#scheduler?.setEdge(edge - 1);
  }

  #ended(edge: number): void {
    const writer = this.#writer!;
    const window = this.#window!;
    if (writer.finalEdge !== undefined || edge < window.edge) return;
    window.finish(edge);
    writer.setFinalEdge(edge);
    this.#scheduler!.finish(edge);
  }

  #lied(peer: string, what: 'head' | 'end'): void {
    this.#drop(peer, `it passed on a ${what} that does not verify`, { ban: true });
  }

  #drop(peer: string, why: string, options: { ban?: boolean } = {}): void {
    if (!this.#pool?.links.has(peer)) return;
    this.#heldBack.delete(peer);
    this.#pool.drop(peer, options);
    this.#scheduler?.removePeer(peer);
    this.#warn(new PeerDroppedError(peer, why));
  }

  #warn(error: unknown): void {
    if (this.#closed) return;
    this.#options.onWarning?.(error instanceof Error ? error : new Error(String(error)));
  }
}
