import { SKIP_CAUSES, type SkipCause } from '@p2pstream/scheduler';

/**
 * Why a live chunk was skipped: the scheduler's `SkipCause` (`never-announced`, `timed-out`,
 * `refused-busy`, `held-back`, `late`), or `evicted` (it arrived, but the live window dropped
 * it before it was due: a `windowCapacity` shorter than the scheduler's look-ahead).
 */
export type ViewerSkipCause = SkipCause | 'evicted';

export const VIEWER_SKIP_CAUSES: readonly ViewerSkipCause[] = [...SKIP_CAUSES, 'evicted'];

/** The quality numbers of a viewer or relay (the `--stats` line of `watch` and `relay`). */
export interface ViewerStats {
  /** Stream id. */
  stream: string;
  name: string;
  /** Still growing (false for a finished stream, or a live one that ended). */
  live: boolean;
  /** Peers connected to fetch from. */
  peers: number;
  /** From `start()` to the first chunk played, or null before it. */
  startupMs: number | null;
  /** Chunks played (written to the sink, or passed by the playhead of a relay). */
  played: number;
  /** Chunks whose deadline has passed: played + skipped. */
  due: number;
  /** Live chunks that missed their deadline and were skipped. */
  skipped: number;
  /** `skipped` by cause; every cause is present. */
  skippedByCause: Record<ViewerSkipCause, number>;
  /** Chunks played on time ÷ chunks due; 1 while nothing is due. */
  continuity: number;
  /** Wall-clock now − the publisher's timestamp of the last chunk played, or null before the first. */
  lagMs: number | null;
  /** Play time held contiguously ahead of the playhead. */
  bufferAheadMs: number;
  /** Verified chunk bytes from the peer that says it is the publisher. */
  bytesFromPublisher: number;
  /** Verified chunk bytes from every other peer. */
  bytesFromPeers: number;
  /** Verified chunk bytes of chunks already held when they arrived. */
  duplicateBytes: number;
  /** Chunks that failed verification (each one cost its sender the connection). */
  badChunks: number;
  /** Requests the scheduler gave up waiting for. */
  timeouts: number;
  /** Times live play-out paused and started again instead of skipping: before anything played, or when no peer had the chunk due. */
  rebuffers: number;
  /** Verified chunk bytes from each connected peer, by `host:port`. */
  bytesByPeer: Record<string, number>;
  /** The whole stream has been played (finished, or live and ended). */
  ended: boolean;
}

/** Counters behind `ViewerStats`, updated as chunks arrive and play. */
export class ViewerCounters {
  startedAt = 0;
  firstPlayedAt: number | undefined;
  lastPlayedTs: number | undefined;
  played = 0;
  skipped = 0;
  readonly skippedByCause = Object.fromEntries(VIEWER_SKIP_CAUSES.map((cause) => [cause, 0])) as Record<ViewerSkipCause, number>;
  bytesFromPublisher = 0;
  bytesFromPeers = 0;
  duplicateBytes = 0;
  badChunks = 0;
  timeouts = 0;
  rebuffers = 0;

  skip(cause: ViewerSkipCause): void {
    this.skipped += 1;
    this.skippedByCause[cause] += 1;
  }

  continuity(): number {
    const due = this.played + this.skipped;
    return due === 0 ? 1 : this.played / due;
  }
}
