import type { Connection, ConnectionLimits, DialFunction } from '@p2pstream/connection';
import type { LookupResult } from '@p2pstream/tracker-client';
import type { TakeBuffer } from '@p2pstream/wire';
import type { Clock } from '@p2pstream/units';
import {
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_PEERS,
  DEFAULT_RATE_WINDOW_MS,
  DEFAULT_REDIAL_BACKOFF_MS,
  DEFAULT_RELOOKUP_MS,
  DEFAULT_FEW_PEERS_RELOOKUP_MS,
} from './constants.js';
import type { PeerLink } from './peer-link.js';
import { PeerPool } from './peer-pool.js';
import type { ClientTracker } from './tracker.js';

/** How many peers a viewer fetches from and how its pool and links pace themselves (ms). */
export interface PoolPacing {
  maxPeers: number;
  relookupMs: number;
  fewPeersRelookupMs: number;
  redialBackoffMs: number;
  dialTimeoutMs: number;
  keepaliveMs: number;
  fetchTimeoutMs: number;
  rateWindowMs: number;
}

/** Each of `given` (a viewer's options), or its default where not given. Checking the values is the caller's. */
export function poolPacing(given: { readonly [K in keyof PoolPacing]?: number | undefined }): PoolPacing {
  return {
    maxPeers: given.maxPeers ?? DEFAULT_MAX_PEERS,
    relookupMs: given.relookupMs ?? DEFAULT_RELOOKUP_MS,
    fewPeersRelookupMs: given.fewPeersRelookupMs ?? DEFAULT_FEW_PEERS_RELOOKUP_MS,
    redialBackoffMs: given.redialBackoffMs ?? DEFAULT_REDIAL_BACKOFF_MS,
    dialTimeoutMs: given.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
    keepaliveMs: given.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
    fetchTimeoutMs: given.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    rateWindowMs: given.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS,
  };
}

export interface ViewerPoolInit {
  /** The stream's name as looked up at central. */
  name: string;
  /** What the look-up found: the stream's id, the publish session played (a peer in another one is not used), and the peers listed, dialed at once. */
  found: Pick<LookupResult, 'stream' | 'session' | 'peers'>;
  tracker: ClientTracker;
  pacing: PoolPacing;
  clock: Clock;
  dial: DialFunction;
  localAddress: string | undefined;
  /** Connection limits beyond the handshake timeout (`pacing.dialTimeoutMs`). */
  limits?: ConnectionLimits | undefined;
  /** Symmetric connections: the local server serves the peer over each connection dialed to it. */
  serveOver?: ((connection: Connection) => void) | undefined;
  /** Where the links dialed copy each chunk received (see ConnectionOptions.takeBuffer). */
  takeBuffer?: TakeBuffer | undefined;
  /** With symmetric connections, the port the local server listens on: see PeerPoolOptions.ownPort. */
  ownPort?: number | undefined;
  onLink(link: PeerLink, replaced?: PeerLink): void;
  onWarning(error: Error): void;
}

/** The peer pool a viewer fetches through, its links set up from `init`, started: it dials the peers found and keeps itself topped up. */
export function viewerPool(init: ViewerPoolInit): PeerPool {
  const { pacing, clock } = init;
  const pool = new PeerPool({
    name: init.name,
    tracker: init.tracker,
    maxPeers: pacing.maxPeers,
    relookupMs: pacing.relookupMs,
    fewPeersRelookupMs: pacing.fewPeersRelookupMs,
    redialBackoffMs: pacing.redialBackoffMs,
    ownPort: init.ownPort,
    clock,
    link: {
      streamId: init.found.stream,
      session: init.found.session,
      localAddress: init.localAddress,
      dial: init.dial,
      limits: { handshakeTimeout: pacing.dialTimeoutMs, ...init.limits },
      clock,
      keepaliveMs: pacing.keepaliveMs,
      fetchTimeoutMs: pacing.fetchTimeoutMs,
      rateWindowMs: pacing.rateWindowMs,
      serveOver: init.serveOver,
      takeBuffer: init.takeBuffer,
    },
    onLink: (link, replaced) => init.onLink(link, replaced),
    onWarning: (error) => init.onWarning(error),
  });
  pool.start(init.found.peers);
  return pool;
}
