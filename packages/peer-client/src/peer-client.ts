import { EventEmitter } from 'node:events';
import { carriesHalf, dial as connectionDial, type CloseReason, type Connection, type DialFunction } from '@p2pstream/connection';
import { ChunkWindow, SignedState, verifierFor, verifyChunk, type Chunk, type HeldChunks, type StreamVerifier } from '@p2pstream/data';
import type { FetchChunk, Scheduler } from '@p2pstream/scheduler';
import { openChunkSpool, type ChunkSpool } from './chunk-spool.js';
import { BelievedClaims } from './believed-claims.js';
import { ClientParts } from './client-parts.js';
import { ANNOUNCE_RETRY_MS } from './constants.js';
import { AbortedError, BadChunkError, ClientClosedError, PeerGoneError, ReadableUnavailableError } from './errors.js';
import { refusalError, tallyVerified } from './fetch-replies.js';
import { DEFAULT_FINISHED_CHUNK_MS, FinishedPace } from './finished-pace.js';
import { resolvePeerClientOptions, type PeerClientOptions, type ResolvedPeerClientOptions } from './options.js';
import { PeerLink, peerAddress, type PeerLinkListener } from './peer-link.js';
import type { PeerPool } from './peer-pool.js';
import { PeerReadable, type PeerReadableOptions } from './peer-readable.js';
import { SinkWriter } from './sink-writer.js';
import { peerSnapshot, pictureWindow, resolveMaxChunks, type ClientSnapshot, type SnapshotOptions } from './snapshot.js';
import { viewerPool } from './viewer-pool.js';
import { viewerScheduler } from './viewer-scheduler.js';
import { ViewerCounters, type ViewerSkipCause, type ViewerStats } from './viewer-stats.js';
import { monotonicClock, untilAborted, type Clock } from '@p2pstream/units';
import type { SignalingTracker } from './tracker-signaling.js';
import type { ClientTracker } from './tracker.js';
import { answerWebRTC, type WebRTCAnswerer } from './webrtc-answerer.js';
import { webRTCDial } from './webrtc-dial.js';
import { reachabilityDial, ReachableEntries } from './reachability-dial.js';

/** What central said about the stream. */
export interface StreamInfo {
  name: string;
  /** Stream id: the publisher's public key in hex. */
  streamId: string;
  live: boolean;
  /** The newest edge announced at central. */
  edge: number;
  /** The publish session central handed out: chunks of any other session are refused as bad. */
  session: Uint8Array;
  /** Peers central listed. */
  peers: number;
}

export interface PeerClientEvents {
  /** Connected to a peer and got its buffer map; `source`: it says it is the publisher. */
  peer: [address: string, source: boolean];
  /** A peer connection ended or was dropped. */
  drop: [address: string, reason: string];
  /** A peer sent a chunk that does not verify: dropped and banned. */
  'bad-chunk': [address: string, seq: number];
  /** A peer passed on a head or an end that does not verify in this session (a lie about the stream): dropped and banned. */
  'bad-state': [address: string, what: 'head' | 'end'];
  played: [seq: number];
  /** A live chunk was not held when due and play went on without it; `cause` says why (`ViewerSkipCause`), `peers` whom it concerns. */
  skipped: [seq: number, cause: ViewerSkipCause, peers: readonly string[]];
  /** Live play-out pauses and starts again at `seq` after the start-up delay (before the first chunk played, or when no peer has the chunk due yet). */
  rebuffer: [seq: number];
  /** Announced at central as a carrier of the stream. */
  announced: [];
  /** The whole stream has been played: a finished stream to its last chunk, or a live one whose publisher signed its end. */
  end: [];
  /** Something failed without stopping the client (a look-up, an announce, the sink). */
  warning: [error: Error];
}

/** Contiguous chunks counted ahead of the playhead for the buffer figure, at most. */
const MAX_AHEAD_COUNT = 1024;

/**
 * The fetching half of a peer. It looks the stream up at central, dials up to
 * `maxPeers` of the peers listed (and more as they leave), lets the scheduler
 * decide what to ask of whom, verifies every chunk against the stream's key
 * before keeping it, keeps it in a window the local peer server re-shares at
 * once, and plays the stream out in order to a sink.
 */
export class PeerClient extends EventEmitter<PeerClientEvents> {
  readonly name: string;
  readonly #options: PeerClientOptions;
  readonly #o: ResolvedPeerClientOptions;
  /** Central and the local server, and which of them this client made (and so closes). */
  readonly #parts: ClientParts;
  readonly #clock: Clock;
  readonly #wallClock: () => number;
  readonly #counters = new ViewerCounters();
  /** Requests waiting for an answer, by seq (a chunk may be asked of two peers). */
  readonly #inFlight = new Map<number, number>();
  #info: StreamInfo | undefined;
  #verifier: StreamVerifier | undefined;
  #window: HeldChunks | undefined;
  /** A finished stream's chunks on disk (unless `finishedStore: false`). */
  #spool: ChunkSpool | undefined;
  /** What the publisher signed about this session: the only edge and end this client believes. */
  #state: SignedState | undefined;
  /** Peers' claims, believed as far as `#state` says. */
  #claims: BelievedClaims | undefined;
  #scheduler: Scheduler | undefined;
  /** A finished stream without `finishedChunkMs`: its playhead's pace, learnt from its chunks' size. */
  #pace: FinishedPace | undefined;
  #pool: PeerPool | undefined;
  /** With `webrtc`: answers offers to this client's entry. */
  #answerer: WebRTCAnswerer | undefined;
  #writer: SinkWriter | undefined;
  #serving = false;
  #announced = false;
  #announcing = false;
  #announceRetryAt = -Infinity;
  #readable: PeerReadable | undefined;
  #startCalled = false;
  #starting = false;
  #unlinkSignal: (() => void) | undefined;
  /** With symmetric connections: stops joining back over connections peers dial to the local server. */
  #unlinkJoins: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(options: PeerClientOptions) {
    super();
    this.name = options.name;
    this.#options = options;
    this.#o = resolvePeerClientOptions(options);
    this.#clock = options.clock ?? monotonicClock;
    this.#wallClock = options.wallClock ?? Date.now;
    this.#parts = new ClientParts(options, (error) => this.#warn(error));
  }

  /** What central said, once `start()` resolved. */
  get info(): StreamInfo | undefined {
    return this.#info;
  }

  /** The newest signed head and the signed end verified so far, once started. */
  get state(): SignedState | undefined {
    return this.#state;
  }

  /** The chunks held (and offered to other peers), once started: a `ChunkWindow` in memory, or a finished stream's `ChunkStore`. */
  get window(): HeldChunks | undefined {
    return this.#window;
  }

  /**
   * Looks the stream up and starts fetching and playing. Resolves once the
   * stream was found; rejects with the tracker's error (STREAM_NOT_FOUND,
   * CENTRAL_UNREACHABLE, …) otherwise. `signal` bounds the whole run: when it
   * aborts before this resolves, everything started (the look-up, the client's
   * own server and tracker connection) is undone and this rejects with an
   * `AbortedError` (code ABORTED); when it aborts later, the client closes.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<StreamInfo> {
    if (this.#closed || this.#info || this.#starting) throw new ClientClosedError();
    this.#startCalled = true;
    this.#starting = true;
    const { signal } = options;
    if (signal) {
      const onAbort = () => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#unlinkSignal = () => signal.removeEventListener('abort', onAbort);
    }
    try {
      if (signal?.aborted) throw new AbortedError(signal.reason);
      return await this.#begin(signal);
    } catch (error) {
      if (!signal?.aborted) {
        // Not closed: start() may be tried again, with a signal of its own.
        this.#unlinkSignal?.();
        this.#unlinkSignal = undefined;
        throw error;
      }
      await this.close();
      throw error instanceof AbortedError ? error : new AbortedError(signal.reason);
    } finally {
      this.#starting = false;
    }
  }

  /**
   * The played bytes as a Node `Readable`: the client plays out into it (so give
   * no `sink`), and a finished stream's play-out waits for its reader. Call it
   * before `start()`; every call returns the same one. It ends when the stream
   * has been played to its end or the client closes.
   */
  readable(options: PeerReadableOptions = {}): PeerReadable {
    if (this.#readable) return this.#readable;
    if (this.#options.sink) throw new ReadableUnavailableError('this client plays out to the sink it was given; make it without a sink to read it');
    if (this.#startCalled || this.#closed) {
      throw new ReadableUnavailableError('call readable() before start(), so that it gets the stream from its first byte');
    }
    this.#readable = new PeerReadable(options, () => this.#info?.live ?? false);
    return this.#readable;
  }

  /**
   * `for await (const bytes of client)`: the played bytes, as from `readable()`.
   * A client not started yet is started, and a failed start is thrown by the loop;
   * leaving the loop early stops reading (close the client to stop it).
   */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const readable = this.readable();
    if (!this.#startCalled) this.start().catch((error: unknown) => readable.destroy(error instanceof Error ? error : new Error(String(error))));
    return readable[Symbol.asyncIterator]();
  }

  /** `await using client = new PeerClient(…)`: closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #begin(signal: AbortSignal | undefined): Promise<StreamInfo> {
    this.#counters.startedAt = this.#wallClock();
    // With WebRTC, look-ups learn which peers central reached, so only the others cost a WebRTC set-up.
    const reachable = this.#options.webrtc ? new ReachableEntries() : undefined;
    const lookups = reachable ? reachable.recording(this.#parts.tracker) : this.#parts.tracker;
    const found = await untilAborted(lookups.lookup(this.name, signal ? { signal } : {}), signal, (reason) => new AbortedError(reason));
    if (this.#closed) throw new ClientClosedError();
    await this.#parts.startServer();
    if (signal?.aborted) throw new AbortedError(signal.reason);
    if (this.#closed) throw new ClientClosedError();
    const info: StreamInfo = {
      name: found.name,
      streamId: found.stream,
      live: found.live,
      edge: found.edge,
      session: found.session,
      peers: found.peers.length,
    };
    this.#info = info;
    this.#verifier = verifierFor(info.streamId);
    const store = this.#options.finishedStore;
    if (!info.live && store !== false) {
      this.#spool = await openChunkSpool(store ?? {}, (error) => this.#warn(error), this.#options.sink?.filePath);
      if (this.#closed) {
        await this.#spool.close();
        throw new ClientClosedError();
      }
    }
    const state = new SignedState(info.streamId, info.session);
    this.#state = state;
    const window =
      this.#spool?.store ?? new ChunkWindow<Chunk>({ live: info.live, ...(this.#o.windowCapacity ? { capacity: this.#o.windowCapacity } : {}) });
    this.#window = window;
    const writer = new SinkWriter({
      live: info.live,
      from: this.#options.from ?? 0,
      window,
      sink: this.#options.sink ?? this.#readable,
      // A quarter of the store's memory: chunks fetched in order are played without a read back.
      aheadBytes: this.#spool ? Math.floor(this.#spool.store.cacheBytes / 4) : 0,
      ...(this.#spool?.store.placeFile !== undefined
        ? {
            onInFile: (seq: number, position: number) => this.#spool!.store.place(seq, position),
            // The file is the stream's home, on the disk the spool writes to: fetch at its pace rather than spool.
            // Paused below the half of the cache the store holds before it spools, so what is still in flight fits too.
            onBackedUp: (backedUp: boolean) => (backedUp ? this.#scheduler?.pauseRequests() : this.#scheduler?.resumeRequests()),
            backlogBytes: Math.floor((this.#spool.store.cacheBytes * 3) / 8),
          }
        : {}),
      counters: this.#counters,
      wallClock: this.#wallClock,
      onPlayed: (seq) => this.emit('played', seq),
      onSkipped: (seq, cause, peers) => this.emit('skipped', seq, cause, peers),
      onEnd: () => this.#onEnd(),
      onWarning: (error) => this.#warn(error),
    });
    this.#writer = writer;
    this.#scheduler = this.#createScheduler(info.live);
    if (this.#options.from !== undefined) this.#scheduler.setPlayhead(this.#options.from);
    this.#scheduler.start();
    const claims = new BelievedClaims({ scheduler: this.#scheduler, writer, window });
    this.#claims = claims;
    state.onHead(() => claims.believeUpTo(state.clip(Number.MAX_SAFE_INTEGER)));
    state.onEnd((end) => {
      if (claims.end(end.edge)) this.#ended(end.edge);
    });
    // A finished stream is offered once its length is known, so nobody takes a partial map for the whole.
    if (info.live) this.#serve();
    const dial = this.#options.webrtc && reachable ? await this.#startWebRTC(info, this.#options.webrtc, reachable, signal) : (this.#options.dial ?? connectionDial);
    const serveOver = this.#symmetric(info.streamId);
    const server = this.#parts.server;
    this.#pool = viewerPool({
      name: this.name,
      found,
      tracker: lookups,
      pacing: this.#o,
      clock: this.#clock,
      dial,
      localAddress: this.#options.localAddress,
      // Served over too, a dialed connection buffers what the server's own connections do (unless `limits` says).
      limits: serveOver && server?.sendHighWaterBytes !== undefined ? { sendHighWaterBytes: server.sendHighWaterBytes, ...this.#options.limits } : this.#options.limits,
      serveOver,
      // A finished stream's chunks are received into the store's pooled buffers, given back once written.
      takeBuffer: this.#spool?.store.receiveBuffer.bind(this.#spool.store),
      // A server on port 0 listens nowhere: nobody dials it, so no second connection to weed out.
      ownPort: serveOver && server?.port ? server.port : undefined,
      onLink: (link, replaced) => this.#onLink(link, replaced),
      onWarning: (error) => this.#warn(error),
    });
    return info;
  }

  /**
   * WebRTC: announces this client's entry now (central relays signals only between
   * entries it knows, and only to entries announced with `signals`), answers offers to
   * it through the local server, and dials over TCP the peers central dialed back (and those
   * that take no signals), the others through signals.
   */
  async #startWebRTC(
    info: StreamInfo,
    webrtc: NonNullable<PeerClientOptions['webrtc']>,
    reachable: ReachableEntries,
    signal: AbortSignal | undefined,
  ): Promise<DialFunction> {
    // Options checked this tracker relays signals, and that there is a server.
    const tracker = this.#parts.tracker as ClientTracker & SignalingTracker;
    const server = this.#parts.server!;
    await tracker.announce({ stream: info.streamId, port: server.port, edge: 0, live: info.live, signals: true }, signal ? { signal } : {});
    if (this.#closed) {
      // close() ran during the announce, before there was anything to leave.
      await tracker.leave(info.streamId).catch(() => undefined);
      throw new ClientClosedError();
    }
    this.#announced = true;
    this.emit('announced');
    if (server.accept) {
      const accept = server.accept.bind(server);
      this.#answerer = answerWebRTC({ ...webrtc, tracker, server: { accept }, onWarning: (error) => this.#warn(error) });
    }
    // Entries central reached, and those that take no signals (older peers, TCP-only seeds), are dialed over TCP.
    const direct = this.#options.dial ?? connectionDial;
    return reachabilityDial(reachable, direct, webRTCDial({ ...webrtc, tracker, stream: info.streamId, fallback: direct }));
  }

  /**
   * Symmetric connections (unless `symmetric: false`, or the local server cannot serve over
   * a dialed connection): joins back over each connection a peer dials here to join this
   * stream, and returns how the pool has the server serve over the connections it dials.
   */
  #symmetric(streamId: string): ((connection: Connection) => void) | undefined {
    const server = this.#parts.server;
    if (this.#options.symmetric === false || !server?.serveOver || !server.on || !server.off) return undefined;
    const onJoin = (_peer: string, joined: string, connection: Connection): void => {
      // A connection this client dialed carries its fetching half already.
      if (joined === streamId && !carriesHalf(connection, 'fetching')) this.#pool?.adopt(connection);
    };
    server.on('join', onJoin);
    this.#unlinkJoins = () => server.off?.('join', onJoin);
    return (connection) => server.serveOver!(connection);
  }

  stats(): ViewerStats {
    const c = this.#counters;
    const window = this.#window;
    const playhead = this.#playhead();
    let ahead = 0;
    if (window && playhead !== undefined) while (ahead < MAX_AHEAD_COUNT && window.has(playhead + ahead)) ahead++;
    const bytesByPeer: Record<string, number> = {};
    for (const [address, link] of this.#pool?.links ?? []) bytesByPeer[address] = link.bytes;
    return {
      stream: this.#info?.streamId ?? '',
      name: this.name,
      live: window ? window.live : (this.#info?.live ?? false),
      peers: this.#pool?.links.size ?? 0,
      startupMs: c.firstPlayedAt === undefined ? null : c.firstPlayedAt - c.startedAt,
      played: c.played,
      due: c.played + c.skipped,
      skipped: c.skipped,
      skippedByCause: { ...c.skippedByCause },
      continuity: c.continuity(),
      lagMs: c.lastPlayedTs === undefined ? null : this.#wallClock() - c.lastPlayedTs,
      bufferAheadMs: ahead * this.#o.chunkMs,
      bytesFromPublisher: c.bytesFromPublisher,
      bytesFromPeers: c.bytesFromPeers,
      duplicateBytes: c.duplicateBytes,
      badChunks: c.badChunks,
      timeouts: c.timeouts,
      rebuffers: c.rebuffers,
      bytesByPeer,
      ended: this.#writer?.ended ?? false,
    };
  }

  /**
   * The quality numbers, each connected peer (with its download rate and
   * requests in flight), and a picture of the chunks around the playhead, read
   * at one moment: what a status page shows.
   */
  snapshot(options: SnapshotOptions = {}): ClientSnapshot {
    const maxChunks = resolveMaxChunks(options);
    const now = this.#clock.now();
    const scheduler = this.#scheduler;
    const peers = [...(this.#pool?.links.values() ?? [])].map((link) => peerSnapshot(link, scheduler?.peerInfo(link.address), now));
    const window = this.#window;
    const facts = window && {
      base: window.base,
      edge: Math.max(window.edge, (scheduler?.edge ?? -1) + 1),
      playhead: this.#playhead(),
      firstDue: this.#writer?.firstDue,
      has: (seq: number) => window.has(seq),
      fetching: (seq: number) => this.#inFlight.has(seq),
    };
    return { stats: this.stats(), peers, window: pictureWindow(facts, maxChunks) };
  }

  /**
   * Stops fetching, closes every peer connection, stops offering the stream and
   * leaves central for it, ends the readable, and closes what the client made
   * itself (from `central` and `listen`); a `tracker` or `server` passed in stays open.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#unlinkSignal?.();
    this.#unlinkJoins?.();
    this.#scheduler?.close();
    this.#readable?.finish();
    this.#answerer?.close();
    await this.#pool?.close();
    const streamId = this.#info?.streamId;
    if (streamId && this.#serving) this.#parts.server?.unserve(streamId);
    if (streamId && this.#announced) await this.#parts.tracker.leave(streamId).catch(() => undefined);
    await this.#parts.close();
    await this.#spool?.close();
  }

  /** The next chunk to play: the scheduler's playhead when live, play-out's next write when finished. */
  #playhead(): number | undefined {
    const writer = this.#writer;
    return writer?.live ? this.#scheduler?.playhead : writer?.next;
  }

  /**
   * The id the other viewers know this one by: the address it listens on, as central lists it
   * (undefined when it does not listen, or on an address not given, which peers see as another).
   */
  #selfId(): string | undefined {
    const server = this.#parts.server;
    const host = this.#options.localAddress;
    return server && host && server.port !== 0 ? peerAddress(host, server.port) : undefined;
  }

  #createScheduler(live: boolean): Scheduler {
    const fetch: FetchChunk = (peer, seq, { signal }) => this.#fetch(peer, seq, signal);
    if (!live && this.#o.finishedChunkMs === undefined) this.#pace = new FinishedPace();
    const chunkDurationMs = live ? this.#o.chunkMs : (this.#o.finishedChunkMs ?? DEFAULT_FINISHED_CHUNK_MS);
    // Live chunks are in memory: their signed cut time is what play-out follows when the publisher falls behind.
    const cutTimeOf = live ? (seq: number) => this.#window?.get(seq)?.ts : undefined;
    return viewerScheduler({ selfId: this.#selfId(), ...this.#options.scheduler, fetch, clock: this.#clock, live, chunkDurationMs, cutTimeOf }, {
      writer: () => this.#writer,
      counters: this.#counters,
      onRebuffer: (resume) => this.emit('rebuffer', resume),
      drop: (peer, why) => this.#drop(peer, why),
      onWarning: (error) => this.#warn(error),
    });
  }

  async #fetch(peer: string, seq: number, signal: AbortSignal): Promise<number> {
    const link = this.#pool?.links.get(peer);
    if (!link) throw new PeerGoneError(peer);
    const inFlight = this.#inFlight;
    inFlight.set(seq, (inFlight.get(seq) ?? 0) + 1);
    let reply;
    try {
      reply = await link.fetch(seq, signal);
    } finally {
      const left = inFlight.get(seq)! - 1;
      if (left > 0) inFlight.set(seq, left);
      else inFlight.delete(seq);
    }
    if (reply.t === 'reject') throw refusalError(peer, seq, reply.reason, (gone, why) => this.#drop(gone, why));
    if (reply.seq !== seq || !verifyChunk(this.#verifier!, this.#info!.session, reply) || !this.#plausibleTs(reply.ts)) {
      this.#counters.badChunks += 1;
      this.#drop(peer, `it sent a bad chunk ${seq}`, { ban: true });
      this.emit('bad-chunk', peer, seq);
      throw new BadChunkError(peer, seq);
    }
    const paceMs = this.#pace?.chunkMsAfter(reply.data.length);
    if (paceMs !== undefined) this.#scheduler?.setChunkDurationMs(paceMs);
    const window = this.#window!;
    if (!tallyVerified(link, this.#counters, window, reply, this.#closed)) return reply.data.length;
    // A window copies: the payload is a view into the connection's read buffer, which a long window would pin.
    // A store keeps the view only until it is written (at most its cache's worth), so it saves the copy.
    const copy = this.#spool === undefined;
    const data = copy ? Buffer.from(reply.data) : reply.data;
    if (window.add({ seq, ts: reply.ts, data, sig: copy ? Buffer.from(reply.sig) : reply.sig })) this.#kept();
    // A disk slower than the peers: fetching waits while the chunks not yet written fill the cache.
    await this.#spool?.store.drained();
    return reply.data.length;
  }

  /** Starts listening to a new link; one that `replaced` another to the same peer is no new peer to report. */
  #onLink(link: PeerLink, replaced?: PeerLink): void {
    const claims = this.#claims!.addPeer(link.address, link.map);
    const state = this.#state!;
    const listener: PeerLinkListener = {
      have: (_from, seq) => claims.have(seq),
      head: (from, head) => {
        if (state.offerHead(head) === 'bad') this.#lied(from.address, 'head');
      },
      end: (from, end) => {
        if (state.offerEnd(end) === 'bad') this.#lied(from.address, 'end');
      },
      map: (_from, map) => claims.map(map),
      close: (from, reason: CloseReason) => {
        // A peer this client dropped itself was already taken out and reported.
        if (!this.#pool?.closed(from, reason)) return;
        this.#claims!.removePeer(from.address);
        this.emit('drop', from.address, `${reason.code}: ${reason.message}`);
      },
    };
    link.activate(listener);
    if (!replaced) this.emit('peer', link.address, link.source);
  }

  /** The publisher's signed end ended the stream at `edge` chunks: a finished stream is offered now, and central told. */
  #ended(edge: number): void {
    if (!this.#serving) this.#serve();
    if (this.#announced) this.#parts.tracker.update(this.#info!.streamId, { edge, live: false });
  }

  #serve(): void {
    const server = this.#parts.server;
    if (this.#closed || !server) return;
    server.serve(this.#info!.streamId, this.#window!, { state: this.#state! });
    this.#serving = true;
  }

  /**
   * A live chunk is cut now and kept for about a window: one whose signed `ts`
   * is further from this clock than `maxChunkSkewMs` is a replay of old chunks
   * (or a publisher whose clock is far off), and is refused like a bad signature.
   */
  #plausibleTs(ts: number): boolean {
    if (!this.#info!.live) return true;
    return Math.abs(ts - this.#wallClock()) <= this.#o.maxChunkSkewMs;
  }

  /** A peer passed on a signed head or end that does not verify: a lie about the stream's state. */
  #lied(peer: string, what: 'head' | 'end'): void {
    this.#drop(peer, `it passed on a ${what} that does not verify`, { ban: true });
    this.emit('bad-state', peer, what);
  }

  #drop(peer: string, why: string, options: { ban?: boolean } = {}): void {
    if (!this.#pool?.drop(peer, options)) return;
    this.#claims?.removePeer(peer);
    this.emit('drop', peer, why);
  }

  /** A verified chunk was kept: offered by the local server already; tell central this peer carries the stream. */
  #kept(): void {
    const server = this.#parts.server;
    const window = this.#window!;
    const stream = this.#info!.streamId;
    if (!server || !this.#serving) return;
    // A server that listens on nothing cannot be dialed: central would list an address nobody reaches.
    if (server.port === 0) return;
    if (this.#announced) {
      this.#parts.tracker.update(stream, { edge: window.edge });
      return;
    }
    if (this.#announcing || this.#clock.now() < this.#announceRetryAt) return;
    this.#announcing = true;
    this.#parts.tracker.announce({ stream, port: server.port, edge: window.edge, live: window.live }).then(
      () => {
        this.#announcing = false;
        if (this.#closed) return;
        this.#announced = true;
        this.emit('announced');
      },
      (error: unknown) => {
        this.#announcing = false;
        this.#announceRetryAt = this.#clock.now() + ANNOUNCE_RETRY_MS;
        this.#warn(error);
      },
    );
  }

  #onEnd(): void {
    this.#scheduler?.close();
    void this.#pool?.close();
    this.#readable?.finish();
    this.emit('end');
  }

  #warn(error: unknown): void {
    if (this.#closed) return;
    if (this.listenerCount('warning') > 0) this.emit('warning', error instanceof Error ? error : new Error(String(error)));
  }
}
