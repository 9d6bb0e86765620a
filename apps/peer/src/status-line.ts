import { formatRate } from '@p2pstream/units';

/** One reading of a viewer or relay, as its status line shows it. */
export interface ViewerStatus {
  name: string;
  /** Still growing: the live line; otherwise the progress line of a finished stream. */
  live: boolean;
  /** Peers fetched from. */
  peers: number;
  downBytesPerSecond: number;
  upBytesPerSecond: number;
  bufferAheadMs: number;
  lagMs: number | null;
  played: number;
  skipped: number;
  /** Verified chunk bytes fetched so far. */
  bytes: number;
  /** Chunks of a finished stream still to play (its length − the playhead), or undefined while not known. */
  remaining: number | undefined;
  /** Estimated ms until the last chunk is played, or undefined while nothing tells. */
  etaMs: number | undefined;
}

/** The status line of a viewer: live streams as they always were, finished ones as progress. */
export function viewerStatusLine(status: ViewerStatus): string {
  return status.live ? liveStatusLine(status) : finishedStatusLine(status);
}

/** `cam1 · 3 peers · ↓ 250 kB/s ↑ 80 kB/s · ahead 3.5 s · lag 5.1 s · played 120, skipped 0` */
export function liveStatusLine(status: ViewerStatus): string {
  const lag = status.lagMs === null ? '' : ` · lag ${(status.lagMs / 1000).toFixed(1)} s`;
  return (
    `${status.name} · ${status.peers} peers · ↓ ${formatRate(status.downBytesPerSecond)} ↑ ${formatRate(status.upBytesPerSecond)} · ` +
    `ahead ${(status.bufferAheadMs / 1000).toFixed(1)} s${lag} · played ${status.played}, skipped ${status.skipped}`
  );
}

/** `film · 43% (10 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · ETA 0:13 · 3 peers` */
export function finishedStatusLine(status: ViewerStatus): string {
  const total = status.remaining === undefined ? undefined : status.played + status.remaining;
  const progress =
    total === undefined || total === 0
      ? `${status.played} chunks`
      : `${Math.floor((100 * status.played) / total)}% (${status.played} of ${total} chunks)`;
  const eta = status.remaining === 0 ? 'done' : `ETA ${status.etaMs === undefined ? '--' : formatDuration(status.etaMs)}`;
  return (
    `${status.name} · ${progress} · ${formatBytes(status.bytes)} · ↓ ${formatRate(status.downBytesPerSecond)} ↑ ${formatRate(status.upBytesPerSecond)} · ` +
    `${eta} · ${status.peers} peers`
  );
}

/** `950 B`, `12 kB`, `4.6 MB`, `1.25 GB`: decimal units, as `formatRate`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${Math.round(bytes)} B`;
}

/** `0:07`, `12:30`, `1:02:03`: rounded up to the second, so a wait is never said shorter than it is. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * Time left to play a finished stream, from the pace at which it has played
 * since the first reading that had played something: chunks can differ in
 * size and the output may wait for its reader, so chunks played per second
 * says more than bytes fetched per second.
 */
export class PlayPace {
  #start: { played: number; at: number } | undefined;

  /** Ms until `remaining` more chunks are played at the pace so far, or undefined before it shows. */
  etaMs(played: number, remaining: number | undefined, now: number): number | undefined {
    if (remaining === undefined) return undefined;
    if (remaining === 0) return 0;
    if (this.#start === undefined) {
      if (played > 0) this.#start = { played, at: now };
      return undefined;
    }
    const chunks = played - this.#start.played;
    const elapsed = now - this.#start.at;
    if (chunks <= 0 || elapsed <= 0) return undefined;
    return (remaining * elapsed) / chunks;
  }
}
