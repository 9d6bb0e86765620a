import type { ServerLimits, UploadLimiter } from '@p2pstream/connection';
import {
  DEFAULT_MAX_PEERS_PER_STREAM,
  DEFAULT_MAX_QUEUE_DELAY_MS,
  DEFAULT_MAX_QUEUED_PER_PEER,
  DEFAULT_PEER_HOST,
  DEFAULT_PEER_PORT,
  DEFAULT_PORT_ATTEMPTS,
  DEFAULT_SERVING_SEND_HIGH_WATER_BYTES,
  DEFAULT_SUPER_SEED_MS,
} from './constants.js';
import { InvalidOptionError } from './errors.js';
import type { UploadSlotsOptions } from './upload-slots.js';
import type { Clock } from '@p2pstream/units';

export interface PeerServerOptions {
  /**
   * Address to listen on; a loopback address such as `127.0.0.7` gives the peer its own "IP" on one machine.
   * @default '0.0.0.0'
   */
  host?: string;
  /**
   * First port to try; when it is taken the next ones are tried (see `portAttempts`). 0 lets the system pick.
   * @default 2050
   */
  port?: number;
  /**
   * `false`: no TCP listener; peers reach this server only through `accept(transport)`
   * (tests over in-memory pairs, or transports other than TCP).
   * @default true
   */
  listen?: boolean;
  /**
   * Ports tried from `port` upwards before giving up with NO_FREE_PORT; 1 means only `port`.
   * @default 100
   */
  portAttempts?: number;
  /** Paces every chunk this server sends (`--upload-limit`). Shared across streams and peers. */
  uploadLimiter?: UploadLimiter;
  /** How many peers are served at once and how the slots rotate. */
  slots?: UploadSlotsOptions;
  /**
   * Peers joined to one stream at once; a further `join` is answered STREAM_FULL and the
   * asker dials others, which spreads viewers over every carrier.
   * @default 24
   */
  maxPeersPerStream?: number;
  /**
   * A request whose answer would wait longer than this behind the bytes already waiting
   * to go out — at the rate answers have actually been leaving, or the upload limit if
   * lower — is answered BUSY, so the asker fetches it elsewhere (`--max-upload-queue`).
   * @default 500
   */
  maxQueueDelayMs?: number;
  /**
   * Chunk requests of one peer waiting here at once; more are answered BUSY.
   * @default 16
   */
  maxQueuedPerPeer?: number;
  /**
   * Super-seeding of the finished streams this node is the source of (`--super-seed`):
   * a chunk sent to one peer is refused (NOT_HELD) to the others for this long, so
   * they fetch it from that peer and the source sends chunks nobody has yet. A peer
   * alone on the stream is never refused; one refused is told `have` when the hold
   * ends, in case it reaches no peer that has the chunk. Live streams, and streams
   * this node only relays, are never held back. 0 turns it off.
   * @default 1500
   */
  superSeedMs?: number;
  /**
   * Connection limits; `sendHighWaterBytes` is 256 KiB unless given. Chunks are taken
   * (up to `maxChunkBytes`, 1 MiB by default) because over a symmetric connection the peer
   * that accepted also fetches; a publisher, which fetches nothing, passes `maxChunkBytes: 0`.
   */
  limits?: ServerLimits;
  /** @default monotonicClock from @p2pstream/units */
  clock?: Clock;
  /** Aborting it closes the server. */
  signal?: AbortSignal;
}

export interface ResolvedPeerServerOptions {
  host: string;
  port: number;
  portAttempts: number;
  uploadLimiter: UploadLimiter | undefined;
  slots: UploadSlotsOptions;
  maxPeersPerStream: number;
  maxQueueDelayMs: number;
  maxQueuedPerPeer: number;
  superSeedMs: number;
  limits: ServerLimits;
}

export function resolvePeerServerOptions(options: PeerServerOptions): ResolvedPeerServerOptions {
  const resolved = {
    host: options.host ?? DEFAULT_PEER_HOST,
    port: options.port ?? DEFAULT_PEER_PORT,
    portAttempts: options.portAttempts ?? DEFAULT_PORT_ATTEMPTS,
    uploadLimiter: options.uploadLimiter,
    slots: options.slots ?? {},
    maxPeersPerStream: options.maxPeersPerStream ?? DEFAULT_MAX_PEERS_PER_STREAM,
    maxQueueDelayMs: options.maxQueueDelayMs ?? DEFAULT_MAX_QUEUE_DELAY_MS,
    maxQueuedPerPeer: options.maxQueuedPerPeer ?? DEFAULT_MAX_QUEUED_PER_PEER,
    superSeedMs: options.superSeedMs ?? DEFAULT_SUPER_SEED_MS,
    limits: { sendHighWaterBytes: DEFAULT_SERVING_SEND_HIGH_WATER_BYTES, ...options.limits },
  };
  if (!Number.isSafeInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new InvalidOptionError(`port must be an integer from 0 to 65535, not ${resolved.port}`);
  }
  if (!Number.isSafeInteger(resolved.portAttempts) || resolved.portAttempts < 1) {
    throw new InvalidOptionError(`portAttempts must be an integer >= 1, not ${resolved.portAttempts}`);
  }
  if (!Number.isSafeInteger(resolved.maxPeersPerStream) || resolved.maxPeersPerStream < 1) {
    throw new InvalidOptionError(`maxPeersPerStream must be an integer >= 1, not ${resolved.maxPeersPerStream}`);
  }
  if (!(resolved.maxQueueDelayMs > 0)) throw new InvalidOptionError(`maxQueueDelayMs must be positive, not ${resolved.maxQueueDelayMs}`);
  if (!Number.isSafeInteger(resolved.maxQueuedPerPeer) || resolved.maxQueuedPerPeer < 1) {
    throw new InvalidOptionError(`maxQueuedPerPeer must be an integer >= 1, not ${resolved.maxQueuedPerPeer}`);
  }
  if (!(Number.isFinite(resolved.superSeedMs) && resolved.superSeedMs >= 0)) {
    throw new InvalidOptionError(`superSeedMs must be 0 (off) or a positive number of ms, not ${resolved.superSeedMs}`);
  }
  return resolved;
}
