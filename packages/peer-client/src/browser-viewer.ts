import type { CloseReason } from '@p2pstream/connection/browser';
import {
  ChunkWindow,
  DEFAULT_CHUNK_MS,
  MpegtsPlayerFeed,
  verifyChunkWebCrypto,
  webCryptoVerifierFor,
  type Chunk,
  type WebCryptoVerifier,
} from '@p2pstream/data/browser';
import { acceptingPeerServer, type PeerServer } from '@p2pstream/peer-server/browser';
import type { Scheduler } from '@p2pstream/scheduler';
import { TrackerClient } from '@p2pstream/tracker-client/browser';
import { monotonicClock } from '@p2pstream/units';
import type { IceServer, PeerConnectionClass } from '@p2pstream/webrtc';
import { BelievedClaims } from './believed-claims.js';
import { DEFAULT_MAX_CHUNK_SKEW_MS, DEFAULT_REPORT_INTERVAL_MS } from './constants.js';
import { BadChunkError, ClientClosedError, InvalidOptionError, PeerDroppedError, PeerGoneError } from './errors.js';
import { refusalError, tallyVerified } from './fetch-replies.js';
import { peerAddress, type PeerLink } from './peer-link.js';
import type { PeerPool } from './peer-pool.js';
import { SinkWriter } from './sink-writer.js';
import type { StreamInfo } from './peer-client.js';
import { poolPacing, viewerPool, type PoolPacing } from './viewer-pool.js';
import { viewerScheduler } from './viewer-scheduler.js';
import { ViewerCounters, type ViewerSkipCause } from './viewer-stats.js';
import { WebCryptoState } from './webcrypto-state.js';
import { answerWebRTC, type WebRTCAnswerer } from './webrtc-answerer.js';
import { webRTCDial } from './webrtc-dial.js';

export interface WatchOptions {
  /** Central's WebSocket endpoint, `ws://HOST:PORT/ws` (central runs with `--ws`). */
  central: string;
  /** The stream's name at central. */
  stream: string;
  /**
   * Called with the stream's MPEG-TS bytes in order, from a random-access point (PAT, PMT, a keyframe) on;
   * after a skipped chunk, again from the next one, without the video frame the gap cut.
   */
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
  /**
   * Milliseconds between reports of this page's QoE (continuity, lag, bytes from peers) to central,
   * which counts browser peers on its status page and metrics; 0 sends none.
   * @default 5_000
   */
  reportIntervalMs?: number;
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

/** A page's entry at central is a port number nobody listens on: central relays signals to it, and peers reach it only through them. */
const randomEntryPort = (): number => 1024 + Math.floor(Math.random() * (65536 - 1024));

/**
 * Watches a stream from a page: looks it up at central over WebSocket, opens WebRTC data
 * channels to the peers that take signals (a publisher or viewer run with `--webrtc`),
 * fetches with the scheduler, verifies every chunk, head and end (with WebCrypto, or in
 * JavaScript where the page has none, as over plain http from another machine), keeps a
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
 * play-out rule, the sink writer, held-back claims) with the page's checks (WebCrypto, or
 * JavaScript) instead of node:crypto, central over WebSocket, peers over data channels, and
 * the bytes to a callback. It serves what it holds (live streams) to the peers that reach
 * it, through a peer server that listens on nothing and takes the data channels its WebRTC
 * answerer opens.
 */
export class BrowserViewer {
  readonly name: string;
  readonly #options: WatchOptions;
  readonly #pacing: PoolPacing;
  readonly #tracker: TrackerClient;
  readonly #counters = new ViewerCounters();
  /** What of the stream the page's decoder may take: from a random-access point, and never a frame a skipped chunk cut. */
  readonly #feed = new MpegtsPlayerFeed();
  #info: StreamInfo | undefined;
  #verifier: WebCryptoVerifier | undefined;
  #state: WebCryptoState | undefined;
  #window: ChunkWindow | undefined;
  #writer: SinkWriter | undefined;
  #scheduler: Scheduler | undefined;
  /** Peers' claims, believed as far as `#state` verified. */
  #claims: BelievedClaims | undefined;
  #pool: PeerPool | undefined;
  /** With `share`: serves the window to the peers whose offers the answerer takes. */
  #server: PeerServer | undefined;
  #answerer: WebRTCAnswerer | undefined;
  #entryPort = 0;
  #announced = false;
  #reportTimer: ReturnType<typeof setInterval> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(options: WatchOptions) {
    const pacing = poolPacing({ maxPeers: options.maxPeers });
    const { maxPeers } = pacing;
    if (!Number.isSafeInteger(maxPeers) || maxPeers < 1) throw new InvalidOptionError(`maxPeers must be a positive integer, not ${maxPeers}`);
    if (typeof options.onBytes !== 'function') throw new InvalidOptionError('onBytes must be a function: it receives the stream');
    const reportInterval = options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
    if (!(Number.isFinite(reportInterval) && reportInterval >= 0)) throw new InvalidOptionError(`reportIntervalMs must be 0 or more milliseconds, not ${reportInterval}`);
    this.name = options.stream;
    this.#options = options;
    this.#pacing = pacing;
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
      // No bytes joined across the gap (as the peer's outputs do): a decoder fails for good on a broken frame.
      onSkipped: () => this.#feed.skipped(),
      onEnd: () => {
        this.#pass(this.#feed.end());
        void this.#pool?.close();
      },
      onWarning: (error) => this.#warn(error),
    });
    this.#writer = writer;
    // Central relays signals only between entries it knows, so no peer is reached before this page
    // announces an entry of its own, at a made-up port it does not listen on (signalsOnly: central
    // does not dial it back). Its reply names the entry as the peers know it: the scheduler's turns go by it.
    this.#entryPort = randomEntryPort();
    const announced = await this.#tracker.announce(
      { stream: info.streamId, port: this.#entryPort, edge: 0, live: info.live, signals: true, signalsOnly: true },
      signal ? { signal } : {},
    );
    this.#announced = true;
    if (this.#closed) throw new ClientClosedError();
    const selfId = announced.host === undefined ? undefined : peerAddress(announced.host, this.#entryPort);
    const scheduler = this.#createScheduler(info.live, selfId);
    this.#scheduler = scheduler;
    scheduler.start();
    const claims = new BelievedClaims({ scheduler, writer, window });
    this.#claims = claims;
    const state = new WebCryptoState(this.#verifier, info.session);
    this.#state = state;
    state.onHead(({ edge }) => claims.believeUpTo(edge));
    state.onEnd(({ edge }) => void claims.end(edge));
    // Re-sharing: what this page holds is served to the peers that reach it (their offers answered through central).
    if (options.share ?? true) {
      const server = acceptingPeerServer();
      server.on('warning', (error) => this.#warn(error));
      this.#server = server;
      if (info.live) server.serve(info.streamId, window, { state });
    }
    this.#startReporting(info.streamId);
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
    this.#pool = viewerPool({
      name: this.name,
      // Its peers are not this page's own entry: central lists it too once announced.
      found,
      tracker: this.#tracker,
      pacing: this.#pacing,
      clock: monotonicClock,
      dial,
      localAddress: undefined,
      onLink: (link) => this.#onLink(link),
      onWarning: (error) => this.#warn(error),
    });
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
    clearInterval(this.#reportTimer);
    this.#scheduler?.close();
    this.#answerer?.close();
    await Promise.all([this.#pool?.close(), this.#server?.close()]);
    if (this.#announced && this.#info) await this.#tracker.leave(this.#info.streamId).catch(() => undefined);
    await this.#tracker.close();
  }

  /** Central counts this page among its browser peers from these reports; one that fails is a warning, the next carries the totals. */
  #startReporting(stream: string): void {
    const every = this.#options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
    if (every === 0) return;
    const send = () => {
      const { played, skipped, lagMs, bytesFromPeers, bytesFromPublisher, bytesUploaded } = this.stats();
      // A clock behind the publisher's would make the lag negative: it is at least zero.
      const lag = lagMs === null ? {} : { lagMs: Math.max(0, Math.round(lagMs)) };
      this.#tracker.report(stream, { played, skipped, bytesFromPeers, bytesFromPublisher, bytesUploaded, ...lag }).catch((error: unknown) => this.#warn(error));
    };
    send();
    this.#reportTimer = setInterval(send, every);
  }

  #out(data: Uint8Array): void {
    this.#pass(this.#feed.push(data));
  }

  #pass(pieces: readonly Uint8Array[]): void {
    if (this.#closed) return;
    for (const piece of pieces) this.#options.onBytes(piece);
  }

  /** `selfId`: this page's entry as its peers name it, when central said (viewers take turns at asking by it). */
  #createScheduler(live: boolean, selfId: string | undefined): Scheduler {
    return viewerScheduler(
      {
        fetch: (peer, seq, { signal }) => this.#fetch(peer, seq, signal),
        clock: monotonicClock,
        live,
        chunkDurationMs: DEFAULT_CHUNK_MS,
        selfId,
        cutTimeOf: (seq) => this.#window?.get(seq)?.ts,
      },
      { writer: () => this.#writer, counters: this.#counters, drop: (peer, why) => this.#drop(peer, why), onWarning: (error) => this.#warn(error) },
    );
  }

  async #fetch(peer: string, seq: number, signal: AbortSignal): Promise<number> {
    const link = this.#pool?.links.get(peer);
    if (!link) throw new PeerGoneError(peer);
    const reply = await link.fetch(seq, signal);
    if (reply.t === 'reject') throw refusalError(peer, seq, reply.reason, (gone, why) => this.#drop(gone, why));
    const info = this.#info!;
    const verified = reply.seq === seq && (await verifyChunkWebCrypto(this.#verifier!, info.session, reply));
    if (!verified || (info.live && Math.abs(reply.ts - Date.now()) > DEFAULT_MAX_CHUNK_SKEW_MS)) {
      this.#counters.badChunks += 1;
      this.#drop(peer, `it sent a bad chunk ${seq}`, { ban: true });
      throw new BadChunkError(peer, seq);
    }
    const window = this.#window!;
    if (!tallyVerified(link, this.#counters, window, reply, this.#closed)) return reply.data.length;
    // A copy (Uint8Array's, not Buffer's slice, which is a view): the payload is a view into the connection's read buffer, which a window would pin.
    if (window.add({ seq, ts: reply.ts, data: new Uint8Array(reply.data), sig: new Uint8Array(reply.sig) }) && this.#server) {
      // Central lists carriers by their edge: tell it how far this page holds.
      this.#tracker.update(info.streamId, { edge: window.edge });
    }
    return reply.data.length;
  }

  #onLink(link: PeerLink): void {
    const state = this.#state!;
    const claims = this.#claims!.addPeer(link.address, link.map);
    link.activate({
      have: (_from, seq) => claims.have(seq),
      head: (from, head) => void state.offerHead(head).then((offer) => offer === 'bad' && this.#lied(from.address, 'head')),
      end: (from, end) => void state.offerEnd(end).then((offer) => offer === 'bad' && this.#lied(from.address, 'end')),
      map: (_from, map) => claims.map(map),
      close: (from, reason: CloseReason) => {
        if (this.#pool?.closed(from, reason)) this.#claims!.removePeer(from.address);
      },
    });
  }

  #lied(peer: string, what: 'head' | 'end'): void {
    this.#drop(peer, `it passed on a ${what} that does not verify`, { ban: true });
  }

  #drop(peer: string, why: string, options: { ban?: boolean } = {}): void {
    if (!this.#pool?.drop(peer, options)) return;
    this.#claims?.removePeer(peer);
    this.#warn(new PeerDroppedError(peer, why));
  }

  #warn(error: unknown): void {
    if (this.#closed) return;
    this.#options.onWarning?.(error instanceof Error ? error : new Error(String(error)));
  }
}
