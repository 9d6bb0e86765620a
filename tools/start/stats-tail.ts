import { open } from 'node:fs/promises';
import { isViewerStatsLine, parseStatsLine, type PublisherStatsLine, type StatsLine, type ViewerStatsLine } from '@p2pstream/peer-client';
import { STATS_TAIL_BYTES } from './constants.js';

/**
 * The newest complete line of a program's `--stats` file (`StatsLine` in @p2pstream/peer-client),
 * or undefined while there is none. Only the end of the file is read: the live table asks every
 * second, and the file grows by a line a second for as long as the swarm runs.
 */
export async function newestStats(file: string, tailBytes = STATS_TAIL_BYTES): Promise<StatsLine | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, tailBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    // A last line without its newline is still being written.
    const end = text.lastIndexOf('\n');
    if (end < 0) return undefined;
    const complete = text.slice(0, end);
    const start = complete.lastIndexOf('\n') + 1;
    // A line longer than the tail was cut at its front.
    if (start === 0 && length < size) return undefined;
    const line = complete.slice(start);
    return line.trim() === '' ? undefined : parseStatsLine(line);
  } finally {
    await handle.close();
  }
}

/** The newest line of a viewer's (or relay's) stats file. */
export async function newestViewerStats(file: string): Promise<ViewerStatsLine | undefined> {
  const line = await newestStats(file);
  return line && isViewerStatsLine(line) ? line : undefined;
}

/** The newest line of a publisher's stats file. */
export async function newestPublisherStats(file: string): Promise<PublisherStatsLine | undefined> {
  const line = await newestStats(file);
  return line?.role === 'publisher' ? line : undefined;
}
