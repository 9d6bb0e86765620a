import type { PublisherStatsLine, ViewerStatsLine } from '@p2pstream/peer-client';

/** One viewer as the table shows it. */
export interface ViewerRow {
  /** `1`, `2`: which viewer. */
  label: string;
  /** Its peer server's `host:port`. */
  address: string;
  /** Its newest `--stats` line, if it wrote one yet. */
  stats: ViewerStatsLine | undefined;
  /** Why it is not running any more (`exited with code 1`), if it stopped on its own. */
  stopped?: string;
}

export interface StatusInput {
  /** Since the swarm was started. */
  elapsedMs: number;
  publisherAddress: string;
  publisher: PublisherStatsLine | undefined;
  viewers: readonly ViewerRow[];
}

const COLUMNS = ['viewer', 'peers', 'continuity', 'lag', 'from peers', 'from publisher'] as const;
const NONE = '—';

/**
 * The live table: a line about the publisher, then one row per viewer with its peers,
 * continuity (chunks played on time ÷ chunks due, since it started; none before a chunk
 * fell due), lag behind the source, and the share of its bytes that came from other
 * viewers vs the publisher.
 */
export function renderStatus(input: StatusInput): string[] {
  const { publisher } = input;
  const head = `${formatElapsed(input.elapsedMs)}  publisher ${input.publisherAddress}: ${
    publisher ? `${publisher.peers} ${publisher.peers === 1 ? 'peer' : 'peers'}, ${formatBytes(publisher.bytesUploaded)} uploaded` : 'starting'
  }`;
  const labelWidth = Math.max(0, ...input.viewers.map((viewer) => viewer.label.length));
  const rows = input.viewers.map((viewer) => [`${viewer.label.padStart(labelWidth)} ${viewer.address}`, ...viewerCells(viewer)]);
  // A viewer with no figures has a note instead ("starting", "exited with code 1").
  const isNote = (cells: readonly string[]) => cells.length === 2;
  const widths = COLUMNS.map((title, column) =>
    Math.max(title.length, ...rows.filter((row) => column === 0 || !isNote(row)).map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : isNote(cells) ? cell : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [head, line(COLUMNS), ...rows.map(line)];
}

function viewerCells(viewer: ViewerRow): string[] {
  if (viewer.stopped) return [viewer.stopped];
  const stats = viewer.stats;
  if (!stats) return ['starting'];
  const total = stats.bytesFromPeers + stats.bytesFromPublisher;
  return [
    String(stats.peers),
    stats.due === 0 ? NONE : `${(stats.continuity * 100).toFixed(1)}%`,
    stats.lagMs === null ? NONE : `${(stats.lagMs / 1000).toFixed(1)} s`,
    total === 0 ? NONE : `${Math.round((stats.bytesFromPeers / total) * 100)}%`,
    total === 0 ? NONE : `${Math.round((stats.bytesFromPublisher / total) * 100)}%`,
  ];
}

/** `0:07`, `12:34`, `1:02:03`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const s = String(seconds % 60).padStart(2, '0');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}:${s}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${s}`;
}

/** `830 kB`, `12.4 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}
