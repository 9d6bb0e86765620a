import { readFileSync } from 'node:fs';
import { isViewerStatsLine, parseStatsLine, type PublisherStatsLine, type StatsLine, type ViewerStatsLine } from '@p2pstream/peer-client';

/**
 * Reading the peer program's `--stats FILE`. The line's schema and parser are
 * `StatsLine` / `parseStatsLine` in @p2pstream/peer-client, the same types the
 * program writes with.
 */

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
        return parseStatsLine(line);
      } catch (error) {
        throw new Error(`${file} line ${index + 1}: ${(error as Error).message}`, { cause: error });
      }
    });
}

export function readViewerStats(file: string): ViewerStatsLine[] {
  return readStats(file).filter(isViewerStatsLine);
}

export function readPublisherStats(file: string): PublisherStatsLine[] {
  return readStats(file).filter((line): line is PublisherStatsLine => line.role === 'publisher');
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
export function continuityBetween(earlier: ViewerStatsLine, later: ViewerStatsLine): number {
  const due = later.due - earlier.due;
  if (due <= 0) return 1;
  const onTime = later.continuity * later.due - earlier.continuity * earlier.due;
  return onTime / due;
}
