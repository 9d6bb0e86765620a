import { BadStatsLineError } from './errors.js';
import type { ViewerStats } from './viewer-stats.js';

/**
 * The `--stats FILE` line of the peer program: one JSON object per line, appended at
 * least once a second and once more at exit. The program writes these; the swarm
 * harness, the benchmarks and the tests read them with `parseStatsLine`. One schema
 * here, so a reader never keeps a copy that drifts from the writer.
 */

/** A viewer's or relay's line: its `ViewerStats`, plus what the program around the client adds. */
export interface ViewerStatsLine extends ViewerStats {
  /** `Date.now()` when the line was written. */
  time: number;
  role: 'viewer' | 'relay';
  /** Chunk bytes this peer's server sent. */
  bytesUploaded: number;
  /** Peers connected to this peer's server. */
  uploadPeers: number;
  rssBytes: number;
  /** Live chunks dropped because the reader of `--out` fell behind (only with `--out`). */
  outputDropped?: number;
  /** Players connected to `--http` (only with `--http`). */
  httpClients?: number;
}

/** A publisher's line. */
export interface PublisherStatsLine {
  /** `Date.now()` when the line was written. */
  time: number;
  role: 'publisher';
  name: string;
  /** Stream id. */
  stream: string;
  live: boolean;
  /** Chunks cut so far. */
  chunks: number;
  /** One past the newest chunk's seq. */
  edge: number;
  /** Peers connected to this peer's server. */
  peers: number;
  bytesUploaded: number;
  rssBytes: number;
}

export type StatsLine = ViewerStatsLine | PublisherStatsLine;

const ROLES: ReadonlySet<unknown> = new Set<StatsLine['role']>(['viewer', 'relay', 'publisher']);
/** How much of a bad line an error quotes. */
const QUOTED_CHARS = 200;

/**
 * One line of a stats file, parsed. Throws `BadStatsLineError` (`BAD_STATS_LINE`) for a
 * line that is not a JSON object with a known `role` and a numeric `time`: the contract
 * is that every line is one. The fields are trusted as the program wrote them.
 */
export function parseStatsLine(line: string): StatsLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new BadStatsLineError(`a stats line is not JSON: ${line.slice(0, QUOTED_CHARS)}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadStatsLineError(`a stats line is not a JSON object: ${line.slice(0, QUOTED_CHARS)}`);
  }
  const { role, time } = value as Record<string, unknown>;
  if (!ROLES.has(role)) throw new BadStatsLineError(`a stats line has no known role (viewer, relay, publisher): ${line.slice(0, QUOTED_CHARS)}`);
  if (typeof time !== 'number') throw new BadStatsLineError(`a stats line has no numeric time: ${line.slice(0, QUOTED_CHARS)}`);
  return value as StatsLine;
}

/** Whether a line is a viewer's or a relay's. */
export function isViewerStatsLine(line: StatsLine): line is ViewerStatsLine {
  return line.role === 'viewer' || line.role === 'relay';
}
