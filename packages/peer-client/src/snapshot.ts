import type { PeerInfo } from '@p2pstream/scheduler';
import { DEFAULT_SNAPSHOT_CHUNKS } from './constants.js';
import { InvalidOptionError } from './errors.js';
import type { PeerLink } from './peer-link.js';
import type { ViewerStats } from './viewer-stats.js';

/**
 * One chunk of the window as a viewer sees it: `played` (behind the playhead,
 * written to the sink), `skipped` (behind the playhead, never arrived in time),
 * `held` (ahead of the playhead, here), `fetching` (ahead, asked of a peer),
 * `missing` (ahead, not asked for yet).
 */
export type ChunkState = 'played' | 'skipped' | 'held' | 'fetching' | 'missing';

/** A peer this client fetches from. */
export interface PeerSnapshot {
  /** `host:port` as central listed it. */
  address: string;
  /** It says it is the stream's publisher. */
  source: boolean;
  /** Verified chunk bytes from it since it was connected. */
  bytes: number;
  /** Verified chunk bytes per second from it over the last `rateWindowMs`. */
  bytesPerSecond: number;
  /** Requests to it waiting for an answer. */
  inFlight: number;
  /** Smoothed request-to-delivery time, or null before one was measured. */
  rttMs: number | null;
}

/** A picture of the chunks around the playhead. */
export interface WindowPicture {
  /** The seq of `chunks[0]`. */
  first: number;
  /** One state per chunk from `first` on, up to the edge (or `maxChunks`). */
  chunks: ChunkState[];
  /** The next chunk to play, or null before play-out has a start point. */
  playhead: number | null;
  /** One past the newest chunk known to exist: the live edge (the stream's length once finished); 0 while unknown. */
  edge: number;
}

/** What `PeerClient.snapshot()` returns: the quality numbers, the peers, and the window, read at one moment. */
export interface ClientSnapshot {
  stats: ViewerStats;
  peers: PeerSnapshot[];
  window: WindowPicture;
}

export interface SnapshotOptions {
  /**
   * Chunks pictured at most.
   * @default 120
   */
  maxChunks?: number;
}

/** What `pictureWindow` reads; I/O free, so the picture is tested alone. */
export interface WindowFacts {
  /** Lowest seq the window still holds or accepts. */
  base: number;
  /** One past the newest chunk known to exist. */
  edge: number;
  /** The next chunk to play, when play-out has a start point. */
  playhead: number | undefined;
  /** The first chunk that fell due (played or skipped), once one did. */
  firstDue: number | undefined;
  has(seq: number): boolean;
  fetching(seq: number): boolean;
}

export function resolveMaxChunks(options: SnapshotOptions): number {
  const maxChunks = options.maxChunks ?? DEFAULT_SNAPSHOT_CHUNKS;
  if (!Number.isSafeInteger(maxChunks) || maxChunks < 1) throw new InvalidOptionError(`maxChunks must be an integer >= 1, not ${maxChunks}`);
  return maxChunks;
}

/** A connected peer as the link and the scheduler know it, at `now` on the client's clock. */
export function peerSnapshot(link: PeerLink, info: PeerInfo | undefined, now: number): PeerSnapshot {
  return {
    address: link.address,
    source: link.source,
    bytes: link.bytes,
    bytesPerSecond: link.received.perSecond(now),
    inFlight: info?.inFlight ?? 0,
    rttMs: info?.rttMs ?? null,
  };
}

/**
 * Pictures the window up to the edge, at most `maxChunks` chunks of it, never
 * before the first chunk that fell due nor before the window's base. When the
 * edge is far ahead (a finished stream), the picture follows the playhead: a
 * quarter of it behind, the rest ahead. Nothing before the stream was found.
 */
export function pictureWindow(facts: WindowFacts | undefined, maxChunks: number): WindowPicture {
  if (!facts) return { first: 0, chunks: [], playhead: null, edge: 0 };
  const { base, edge, playhead, firstDue } = facts;
  const lowest = Math.max(base, firstDue ?? playhead ?? base);
  const newest = edge - maxChunks;
  const first = Math.max(lowest, playhead === undefined ? newest : Math.min(playhead - Math.floor(maxChunks / 4), newest));
  const end = Math.min(edge, first + maxChunks);
  const chunks: ChunkState[] = [];
  for (let seq = first; seq < end; seq++) {
    if (playhead !== undefined && seq < playhead) chunks.push(facts.has(seq) ? 'played' : 'skipped');
    else if (facts.has(seq)) chunks.push('held');
    else chunks.push(facts.fetching(seq) ? 'fetching' : 'missing');
  }
  return { first, chunks, playhead: playhead ?? null, edge };
}
