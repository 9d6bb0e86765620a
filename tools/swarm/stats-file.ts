import { readFileSync } from 'node:fs';
import type { ViewerSkipCause } from '@p2pstream/peer-client';

/**
 * The peer program's `--stats FILE`: one JSON object per line, at least once a
 * second and once more at exit (the fields of ViewerRecord and PublisherRecord in
 * apps/peer/src/stats-file.ts, which tools cannot import: apps/peer tests import tools).
 */

export interface ViewerStats {
  time: number;
  role: 'viewer' | 'relay';
  name: string;
  stream: string;
  live: boolean;
  peers: number;
  startupMs: number | null;
  played: number;
  due: number;
  skipped: number;
  /** `skipped` by cause (see ViewerStats in @p2pstream/peer-client); absent in files of older peers. */
  skippedByCause?: Record<ViewerSkipCause, number>;
  continuity: number;
  /** Null before the first chunk played. */
  lagMs: number | null;
  bytesFromPublisher: number;
  bytesFromPeers: number;
  bytesUploaded: number;
  duplicateBytes: number;
  badChunks: number;
  timeouts: number;
  rssBytes: number;
}

export interface PublisherStats {
  time: number;
  role: 'publisher';
  name: string;
  stream: string;
  live: boolean;
  chunks: number;
  edge: number;
  peers: number;
  bytesUploaded: number;
  rssBytes: number;
}

export type StatsLine = ViewerStats | PublisherStats;

/**
 * Every complete line of a stats file, parsed. A last line without its newline
 * (the program is writing it) is left out; a missing file is no lines yet. A line
 * that is not JSON throws: the contract says every line is one object.
 */
export function readStats(file: string): StatsLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as StatsLine;
      } catch (error) {
        throw new Error(`${file} line ${index + 1} is not JSON: ${line.slice(0, 200)}`, { cause: error });
      }
    });
}

export function readViewerStats(file: string): ViewerStats[] {
  return readStats(file).filter((line): line is ViewerStats => line.role === 'viewer' || line.role === 'relay');
}

export function readPublisherStats(file: string): PublisherStats[] {
  return readStats(file).filter((line): line is PublisherStats => line.role === 'publisher');
}

/** The newest line of a stats file, or undefined when none was written yet. */
export function lastLine<T extends StatsLine>(lines: readonly T[]): T | undefined {
  return lines[lines.length - 1];
}

/** The largest RSS any line reported (0 with no lines). */
export function peakRss(lines: readonly StatsLine[]): number {
  return lines.reduce((peak, line) => Math.max(peak, line.rssBytes), 0);
}

/**
 * Continuity between two stats lines of one viewer: chunks played on time ÷ chunks
 * that fell due in between. `continuity × due` is the count played on time so far,
 * so the difference of two such products is what happened in the interval. 1 when
 * nothing fell due.
 */
export function continuityBetween(earlier: ViewerStats, later: ViewerStats): number {
  const due = later.due - earlier.due;
  if (due <= 0) return 1;
  const onTime = later.continuity * later.due - earlier.continuity * earlier.due;
  return onTime / due;
}
