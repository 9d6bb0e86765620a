import type { ConnectionLimits, DialFunction } from '@p2pstream/connection';
import { DEFAULT_CHUNK_MS } from '@p2pstream/data';
import type { SchedulerOptions } from '@p2pstream/scheduler';
import { DEFAULT_MAX_CHUNK_SKEW_MS } from './constants.js';
import type { PeerServerOptions } from '@p2pstream/peer-server';
import type { TrackerClientOptions } from '@p2pstream/tracker-client';
import { InvalidOptionError } from './errors.js';
import type { FinishedStoreOptions } from './chunk-spool.js';
import type { Sink } from './sink.js';
import type { ClientTracker, LocalServer } from './tracker.js';
import type { Clock } from '@p2pstream/units';
import type { WebRTCOptions } from './webrtc-dial.js';
import type { WebRTCAnswererInit } from './webrtc-answerer.js';
import type { SignalingTracker } from './tracker-signaling.js';
import { poolPacing, type PoolPacing } from './viewer-pool.js';

/** Scheduler settings a client may tune; the client supplies `fetch`, `clock`, `live` and `chunkDurationMs` itself. */
export type SchedulerTuning = Omit<SchedulerOptions, 'fetch' | 'clock' | 'live' | 'chunkDurationMs' | 'signal'>;

export interface PeerClientOptions {
  /** The stream's name at central. */
  name: string;
  /**
   * Central as `host:port` (or several, to fail over along), or the options of a
   * `TrackerClient` (`centrals`, `connectTimeout`, …): the client makes its own
   * tracker client (dialing from `localAddress` unless the options say otherwise)
   * and closes it in `close()`. Give this or `tracker`.
   */
  central?: string | readonly string[] | TrackerClientOptions;
  /**
   * Central as an object: a `TrackerClient`, or a stand-in with the same methods. It
   * stays the caller's: `close()` leaves central for the stream but does not close it.
   * Give this or `central`.
   */
  tracker?: ClientTracker;
  /**
   * The local peer server: verified chunks are re-shared through it at once, and the
   * client announces it at central. It stays the caller's: `close()` stops serving the
   * stream there but does not close it. Give this or `listen`, or neither for a viewer
   * that does not re-share.
   */
  server?: LocalServer;
  /**
   * Re-share through a peer server of the client's own, started by `start()` with these
   * options (`startPeerServer` from @p2pstream/peer-server: `host` defaults to 0.0.0.0,
   * `port` to 2050 or the next free one; 0 lets the system pick) and closed by `close()`.
   */
  listen?: Omit<PeerServerOptions, 'signal'>;
  /** Where play-out writes the stream; none for a relay. */
  sink?: Sink;
  /**
   * First chunk to play.
   * @default 0 for a finished stream; a few chunks behind the newest for a live one
   */
  from?: number;
  /**
   * Peers fetched from at once.
   * @default 20
   */
  maxPeers?: number;
  /** Local address to dial from (the peer's own address, e.g. `127.0.0.7`), so peers see it as that. */
  localAddress?: string;
  /** @default dial from @p2pstream/connection */
  dial?: DialFunction;
  /** Limits of the dialed connections. */
  limits?: ConnectionLimits;
  /**
   * Reach peers over WebRTC data channels set up through central's signal relay, and
   * answer their offers the same way; `dial` (TCP) reaches only entries that take no signals. Needs a local
   * server (`listen` or `server`) and a tracker that relays (`central`, or a `TrackerClient`):
   * central relays only between entries it knows, so the client announces its entry (with
   * `signals: true`) before it dials.
   * @default TCP
   */
  webrtc?: WebRTCOptions & Pick<WebRTCAnswererInit, 'maxSetups'>;
  /**
   * Symmetric connections: one connection per pair of peers carries both directions. The
   * client serves over the connections it dials (so a viewer behind NAT uploads to the peers
   * it reached), and joins back over connections other peers dialed to its server instead
   * of dialing them a second time. A peer that does not serve over a connection it dialed
   * (an older one, or one with this off) answers the join back `UNHANDLED_REQUEST`, and
   * that connection stays one-way. Needs a local server (`listen` or `server`) that has
   * `serveOver` and `join` events, as a `PeerServer` has; off without one.
   * @default true
   */
  symmetric?: boolean;
  /**
   * Chunks of a live stream kept (and offered to other peers).
   * @default 120 (60 s of 500 ms chunks)
   */
  windowCapacity?: number;
  /**
   * Where a finished stream's chunks are kept (and re-shared from): in a scratch
   * file (`dir`, deleted on close) with `cacheBytes` of them in memory, so memory
   * does not grow with the stream; or, with `false`, all in memory.
   * @default {} (a file in os.tmpdir(), a 16 MiB cache)
   */
  finishedStore?: FinishedStoreOptions | false;
  /**
   * Play time of one chunk of a live stream: what the publisher cuts.
   * @default 500
   */
  chunkMs?: number;
  /**
   * Pace of the scheduler's playhead over a finished stream, in ms per chunk (urgency only; play-out
   * writes as fast as the sink takes it). Unset, it follows the chunks' size: `DEFAULT_FINISHED_MS_PER_MIB`
   * (1600) per MiB of the largest chunk received so far, 100 ms per chunk before the first.
   * @default undefined (100 ms for 64 KiB chunks, 400 ms for 256 KiB)
   */
  finishedChunkMs?: number;
  /**
   * While short of peers, central is asked again this often.
   * @default 3_000
   */
  relookupMs?: number;
  /**
   * While it has fewer than 4 peers, in the first 10 s after its first look-up, central is
   * asked again this often instead, so viewers started together find each other before
   * a finished stream is fetched from its publisher alone. 0: always `relookupMs`.
   * @default 300
   */
  fewPeersRelookupMs?: number;
  /**
   * A peer that could not be reached or failed is not dialed again for this long.
   * @default 10_000
   */
  redialBackoffMs?: number;
  /**
   * Time to dial a peer and get its buffer map.
   * @default 5_000
   */
  dialTimeoutMs?: number;
  /**
   * A connection that sent nothing for this long re-joins (keepalive and a fresh map).
   * @default 30_000
   */
  keepaliveMs?: number;
  /**
   * Backstop for one chunk request; the scheduler's adaptive timeouts normally come first.
   * @default 30_000
   */
  fetchTimeoutMs?: number;
  /**
   * Per-peer download rates in `snapshot()` cover this much recent time.
   * @default 3_000
   */
  rateWindowMs?: number;
  /**
   * A live chunk whose signed `ts` is further than this from `wallClock` is
   * refused as bad (a replay of old chunks, or a publisher whose clock is far off).
   * @default 300_000 (5 minutes)
   */
  maxChunkSkewMs?: number;
  /** Scheduler settings (urgent window, in-flight limits, live offset, start-up delay, strategy, …). */
  scheduler?: SchedulerTuning;
  /** Monotonic time for timers and the scheduler. @default monotonicClock from @p2pstream/units */
  clock?: Clock;
  /** Wall-clock ms, compared with chunk timestamps for the lag. @default Date.now */
  wallClock?: () => number;
}

export interface ResolvedPeerClientOptions extends PoolPacing {
  windowCapacity: number | undefined;
  chunkMs: number;
  /** Undefined: paced by the chunks' size. */
  finishedChunkMs: number | undefined;
  maxChunkSkewMs: number;
}

export function resolvePeerClientOptions(options: PeerClientOptions): ResolvedPeerClientOptions {
  const resolved = {
    ...poolPacing(options),
    windowCapacity: options.windowCapacity,
    chunkMs: options.chunkMs ?? DEFAULT_CHUNK_MS,
    finishedChunkMs: options.finishedChunkMs,
    maxChunkSkewMs: options.maxChunkSkewMs ?? DEFAULT_MAX_CHUNK_SKEW_MS,
  };
  if (!Number.isSafeInteger(resolved.maxPeers) || resolved.maxPeers < 1 || resolved.maxPeers > 50) {
    throw new InvalidOptionError(`maxPeers must be an integer from 1 to 50 (one look-up lists at most 50), not ${resolved.maxPeers}`);
  }
  if (resolved.windowCapacity !== undefined && (!Number.isSafeInteger(resolved.windowCapacity) || resolved.windowCapacity < 1)) {
    throw new InvalidOptionError(`windowCapacity must be an integer >= 1, not ${resolved.windowCapacity}`);
  }
  for (const name of ['chunkMs', 'finishedChunkMs', 'relookupMs', 'redialBackoffMs', 'dialTimeoutMs', 'keepaliveMs', 'fetchTimeoutMs', 'rateWindowMs', 'maxChunkSkewMs'] as const) {
    const value = resolved[name];
    if (value === undefined) continue;
    if (!(value > 0) || !Number.isFinite(value)) throw new InvalidOptionError(`${name} must be a positive number of ms, not ${value}`);
  }
  if (!(resolved.fewPeersRelookupMs >= 0) || !Number.isFinite(resolved.fewPeersRelookupMs)) {
    throw new InvalidOptionError(`fewPeersRelookupMs must be 0 (off) or a positive number of ms, not ${resolved.fewPeersRelookupMs}`);
  }
  if ((options.central === undefined) === (options.tracker === undefined)) {
    throw new InvalidOptionError('give central (host:port) or tracker (an object), exactly one of them');
  }
  if (options.server !== undefined && options.listen !== undefined) {
    throw new InvalidOptionError('give server (yours) or listen (the client starts its own), not both');
  }
  if (options.webrtc !== undefined) {
    if (options.server === undefined && options.listen === undefined) {
      throw new InvalidOptionError('webrtc needs a local server (listen or server): central relays signals only to and from an announced entry');
    }
    const tracker = options.tracker as Partial<SignalingTracker> | undefined;
    if (tracker && !(typeof tracker.signal === 'function' && typeof tracker.on === 'function' && typeof tracker.off === 'function')) {
      throw new InvalidOptionError('webrtc needs a tracker that relays signals (signal, on, off: a TrackerClient)');
    }
  }
  const cacheBytes = options.finishedStore === false ? undefined : options.finishedStore?.cacheBytes;
  if (cacheBytes !== undefined && (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0)) {
    throw new InvalidOptionError(`finishedStore.cacheBytes must be a whole number of bytes >= 0, not ${cacheBytes}`);
  }
  if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) {
    throw new InvalidOptionError(`from must be a chunk number >= 0, not ${options.from}`);
  }
  return resolved;
}
