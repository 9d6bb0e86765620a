import type { LagSample } from './lag-sampler.js';
import { peakRss } from './stats-file.js';
import type { PublisherStatsLine, ViewerStatsLine } from '@p2pstream/peer-client';

/** One viewer process (a restarted viewer is a second incarnation of the same slot). */
export interface ViewerRecord {
  slot: number;
  incarnation: number;
  host: string;
  port: number | null;
  /** Killed by the harness (SIGKILL) during the run. */
  killed: boolean;
  exit: { code: number | null; signal: string | null } | null;
  stats: readonly ViewerStatsLine[];
  /** The end of its stderr when it failed to start or exited on its own. */
  problem?: string;
  /** Its uplink cap (shaped runs), bytes per second; null when not capped. */
  uplinkBytesPerSecond: number | null;
  /** The lag samples found in its output; null when the harness did not sample (program pacing). */
  lagSamples: readonly LagSample[] | null;
}

/** End-to-end lag measured on the bytes: from the harness writing a sample into the publisher to a viewer writing it out. */
export interface LagOnBytes {
  samples: number;
  /** Samples between its first and its last that it never wrote out (skipped with their chunk). */
  missed: number;
  p50: number;
  p95: number;
  max: number;
}

export interface AggregateLagOnBytes {
  /** Viewer processes with at least one sample. */
  viewers: number;
  /** Percentiles over every sample of every viewer. */
  samples: number;
  p50: number;
  p95: number;
  max: number;
  /** The highest per-viewer p95. */
  worstViewerP95: number;
}

export interface ViewerReport {
  slot: number;
  incarnation: number;
  host: string;
  port: number | null;
  killed: boolean;
  exit: { code: number | null; signal: string | null } | null;
  startupMs: number | null;
  continuity: number | null;
  played: number;
  due: number;
  skipped: number;
  /** Times play paused for a late chunk instead of skipping it (`--latency` falling back, or a rebuffer). */
  rebuffers: number;
  /** Lag behind the source in the last stats line. */
  lagMs: number | null;
  maxLagMs: number | null;
  bytesFromPublisher: number;
  bytesFromPeers: number;
  /** Share of its received bytes that came from other viewers. */
  offloadRatio: number | null;
  /** Duplicate bytes ÷ bytes received. */
  duplicateRatio: number | null;
  bytesUploaded: number;
  badChunks: number;
  timeouts: number;
  peers: number;
  peakRssBytes: number;
  uplinkBytesPerSecond: number | null;
  /** Its uplink ÷ the stream rate. */
  uplinkMultiple: number | null;
  lagOnBytes: LagOnBytes | null;
  problem?: string;
}

export interface Spread {
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

export interface PublisherReport {
  host: string;
  port: number | null;
  chunks: number | null;
  bytesUploaded: number;
  /** The stream's own bytes per second (the paced rate). */
  streamBytesPerSecond: number;
  /** Measured from the first to the last publisher stats line once all viewers were up. */
  windowMs: number;
  uploadBytesPerSecond: number | null;
  /** Upload over the window ÷ stream bytes over the window: N viewers fed by it alone would be N. */
  uploadMultiple: number | null;
  uploadLimitBytesPerSecond: number;
  peakRssBytes: number;
}

export interface AggregateReport {
  viewers: number;
  processes: number;
  killed: number;
  withoutStats: number;
  startupMs: Spread | null;
  continuity: Spread | null;
  belowContinuity099: number;
  skipped: number;
  /** `skipped` by cause (`timed-out`, `refused-busy`, … as the viewers' stats give them), over every viewer process. */
  skippedByCause: Record<string, number>;
  /** Pauses for late chunks, summed over every viewer process. */
  rebuffers: number;
  lagMs: Spread | null;
  lagOnBytes: AggregateLagOnBytes | null;
  bytesFromPublisher: number;
  bytesFromPeers: number;
  offloadRatio: number | null;
  duplicateRatio: number | null;
  badChunks: number;
  timeouts: number;
  peakRssBytes: Spread | null;
}

export function viewerReport(record: ViewerRecord, streamBytesPerSecond: number): ViewerReport {
  const last = record.stats[record.stats.length - 1];
  const received = last ? last.bytesFromPublisher + last.bytesFromPeers : 0;
  const lags = record.stats.flatMap((line) => (line.lagMs === null ? [] : [line.lagMs]));
  return {
    slot: record.slot,
    incarnation: record.incarnation,
    host: record.host,
    port: record.port,
    killed: record.killed,
    exit: record.exit,
    startupMs: last?.startupMs ?? null,
    continuity: last ? round(last.continuity, 4) : null,
    played: last?.played ?? 0,
    due: last?.due ?? 0,
    skipped: last?.skipped ?? 0,
    rebuffers: last?.rebuffers ?? 0,
    lagMs: last?.lagMs ?? null,
    maxLagMs: lags.length ? Math.max(...lags) : null,
    bytesFromPublisher: last?.bytesFromPublisher ?? 0,
    bytesFromPeers: last?.bytesFromPeers ?? 0,
    offloadRatio: received ? round(last!.bytesFromPeers / received, 4) : null,
    duplicateRatio: received ? round(last!.duplicateBytes / received, 4) : null,
    bytesUploaded: last?.bytesUploaded ?? 0,
    badChunks: last?.badChunks ?? 0,
    timeouts: last?.timeouts ?? 0,
    peers: last?.peers ?? 0,
    peakRssBytes: peakRss(record.stats),
    uplinkBytesPerSecond: record.uplinkBytesPerSecond === null ? null : Math.round(record.uplinkBytesPerSecond),
    uplinkMultiple: record.uplinkBytesPerSecond === null ? null : round(record.uplinkBytesPerSecond / streamBytesPerSecond, 2),
    lagOnBytes: record.lagSamples ? lagOnBytes(record.lagSamples) : null,
    ...(record.problem ? { problem: record.problem } : {}),
  };
}

export function aggregateReport(viewers: readonly ViewerReport[], records: readonly ViewerRecord[]): AggregateReport {
  const withStats = viewers.filter((viewer) => viewer.continuity !== null);
  const sum = (pick: (viewer: ViewerReport) => number) => viewers.reduce((total, viewer) => total + pick(viewer), 0);
  const fromPublisher = sum((viewer) => viewer.bytesFromPublisher);
  const fromPeers = sum((viewer) => viewer.bytesFromPeers);
  const duplicates = records.reduce((total, record) => total + (record.stats[record.stats.length - 1]?.duplicateBytes ?? 0), 0);
  const received = fromPublisher + fromPeers;
  return {
    viewers: new Set(viewers.map((viewer) => viewer.slot)).size,
    processes: viewers.length,
    killed: viewers.filter((viewer) => viewer.killed).length,
    withoutStats: viewers.length - withStats.length,
    startupMs: spread(viewers.flatMap((viewer) => (viewer.startupMs === null ? [] : [viewer.startupMs])), 0),
    continuity: spread(withStats.map((viewer) => viewer.continuity!), 4),
    belowContinuity099: withStats.filter((viewer) => viewer.continuity! < 0.99).length,
    skipped: sum((viewer) => viewer.skipped),
    skippedByCause: skippedByCause(records),
    rebuffers: sum((viewer) => viewer.rebuffers),
    lagMs: spread(viewers.flatMap((viewer) => (viewer.lagMs === null ? [] : [viewer.lagMs])), 0),
    lagOnBytes: aggregateLagOnBytes(viewers, records),
    bytesFromPublisher: fromPublisher,
    bytesFromPeers: fromPeers,
    offloadRatio: received ? round(fromPeers / received, 4) : null,
    duplicateRatio: received ? round(duplicates / received, 4) : null,
    badChunks: sum((viewer) => viewer.badChunks),
    timeouts: sum((viewer) => viewer.timeouts),
    peakRssBytes: spread(
      viewers.map((viewer) => viewer.peakRssBytes).filter((rss) => rss > 0),
      0,
    ),
  };
}

/**
 * The publisher's upload over a window (from its first stats line at or after
 * `windowStart` to its last line) against the stream's own rate.
 */
export function publisherReport(
  stats: readonly PublisherStatsLine[],
  where: { host: string; port: number | null },
  streamBytesPerSecond: number,
  uploadLimitBytesPerSecond: number,
  windowStart: number,
): PublisherReport {
  const last = stats[stats.length - 1];
  const first = stats.find((line) => line.time >= windowStart);
  const windowMs = first && last ? last.time - first.time : 0;
  const uploaded = first && last ? last.bytesUploaded - first.bytesUploaded : 0;
  const rate = windowMs > 0 ? uploaded / (windowMs / 1000) : null;
  return {
    host: where.host,
    port: where.port,
    chunks: last?.chunks ?? null,
    bytesUploaded: last?.bytesUploaded ?? 0,
    streamBytesPerSecond: Math.round(streamBytesPerSecond),
    windowMs,
    uploadBytesPerSecond: rate === null ? null : Math.round(rate),
    uploadMultiple: rate === null ? null : round(rate / streamBytesPerSecond, 2),
    uploadLimitBytesPerSecond: Math.round(uploadLimitBytesPerSecond),
    peakRssBytes: peakRss(stats),
  };
}

/** Percentiles of one viewer's samples; null with none. */
export function lagOnBytes(samples: readonly LagSample[]): LagOnBytes | null {
  if (samples.length === 0) return null;
  const sequences = samples.map((sample) => sample.sequence);
  const lags = spread(
    samples.map((sample) => sample.lagMs),
    0,
  )!;
  return {
    samples: samples.length,
    missed: Math.max(...sequences) - Math.min(...sequences) + 1 - samples.length,
    p50: lags.median,
    p95: lags.p95,
    max: lags.max,
  };
}

function aggregateLagOnBytes(viewers: readonly ViewerReport[], records: readonly ViewerRecord[]): AggregateLagOnBytes | null {
  const all = spread(
    records.flatMap((record) => (record.lagSamples ?? []).map((sample) => sample.lagMs)),
    0,
  );
  const measured = viewers.flatMap((viewer) => (viewer.lagOnBytes ? [viewer.lagOnBytes] : []));
  if (!all || measured.length === 0) return null;
  return {
    viewers: measured.length,
    samples: measured.reduce((total, lag) => total + lag.samples, 0),
    p50: all.median,
    p95: all.p95,
    max: all.max,
    worstViewerP95: Math.max(...measured.map((lag) => lag.p95)),
  };
}

function spread(values: readonly number[], digits: number): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return {
    min: round(sorted[0]!, digits),
    median: round(at(0.5), digits),
    p95: round(at(0.95), digits),
    max: round(sorted[sorted.length - 1]!, digits),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, digits),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function skippedByCause(records: readonly ViewerRecord[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) {
    const causes = record.stats[record.stats.length - 1]?.skippedByCause ?? {};
    for (const [cause, count] of Object.entries(causes)) total[cause] = (total[cause] ?? 0) + count;
  }
  return total;
}
