import { performance } from 'node:perf_hooks';
import type { DialBackCounters, Registry, ReportCounters, SignalCounters, TrackerCounters, ViewerQoe } from '@p2pstream/tracker';

/** How often `--stats` lines are written and the status line and rates are refreshed. */
export const STATS_INTERVAL_MS = 1_000;

/** One reading of central's state: what `--stats` writes and `/stats.json` serves. */
export interface CentralStats {
  /** ISO time of the reading. */
  readonly time: string;
  readonly uptimeSeconds: number;
  readonly registry: string;
  /** False while the registry (Redis) cannot be reached; streams and peers are then the last known. */
  readonly registryAvailable: boolean;
  readonly connections: number;
  readonly streams: number;
  readonly peers: number;
  /** Requests per second since the previous reading. */
  readonly perSecond: { readonly announces: number; readonly lookups: number; readonly publishes: number; readonly lists: number; readonly leaves: number };
  /** Requests since start, and refusals by code. */
  readonly totals: TrackerCounters;
  /** Signals (WebRTC signaling) relayed since start, and refused by code. */
  readonly signals: SignalCounters;
  /** Peers dialed back since start: how many took the connection (reachable), how many did not (behind a NAT), how many were not tried (all busy). */
  readonly dialBacks: DialBackCounters;
  /** The browser peers (watch pages) connected now, from the QoE they report. */
  readonly browsers: ViewerQoe;
  /** Reports taken since start, and refused by code. */
  readonly reports: ReportCounters;
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number };
}

export interface StatsSources {
  readonly registry: Registry;
  readonly counters: TrackerCounters;
  readonly signals: SignalCounters;
  readonly dialBacks: DialBackCounters;
  readonly reports: { readonly counters: ReportCounters; summary(): ViewerQoe };
  connections(): number;
  /** Wall clock, for the registry's notion of now. */
  now(): number;
}

/** Turns cumulative counters into per-second rates, one reading at a time. */
export class StatsCollector {
  readonly #sources: StatsSources;
  readonly #startedAt = performance.now();
  #previous: { at: number; counters: TrackerCounters };
  #last: { streams: number; peers: number } = { streams: 0, peers: 0 };

  constructor(sources: StatsSources) {
    this.#sources = sources;
    this.#previous = { at: this.#startedAt, counters: copy(sources.counters) };
  }

  /** A reading now; rates cover the time since the previous call. Never rejects: a registry outage is reported in it. */
  async read(): Promise<CentralStats> {
    let registryAvailable = true;
    try {
      this.#last = await this.#sources.registry.counts();
    } catch {
      registryAvailable = false;
    }
    const at = performance.now();
    const counters = copy(this.#sources.counters);
    const seconds = Math.max((at - this.#previous.at) / 1000, 1e-3);
    const rate = (key: 'announce' | 'lookup' | 'publish' | 'list' | 'leave') =>
      Math.round(((counters[key] - this.#previous.counters[key]) / seconds) * 10) / 10;
    const perSecond = { announces: rate('announce'), lookups: rate('lookup'), publishes: rate('publish'), lists: rate('list'), leaves: rate('leave') };
    this.#previous = { at, counters };
    const memory = process.memoryUsage();
    return {
      time: new Date(this.#sources.now()).toISOString(),
      uptimeSeconds: Math.round((at - this.#startedAt) / 1000),
      registry: this.#sources.registry.description,
      registryAvailable,
      connections: this.#sources.connections(),
      streams: this.#last.streams,
      peers: this.#last.peers,
      perSecond,
      totals: counters,
      signals: { ...this.#sources.signals, refused: { ...this.#sources.signals.refused } },
      dialBacks: { ...this.#sources.dialBacks },
      browsers: this.#sources.reports.summary(),
      reports: { accepted: this.#sources.reports.counters.accepted, refused: { ...this.#sources.reports.counters.refused } },
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    };
  }
}

function copy(counters: TrackerCounters): TrackerCounters {
  return { ...counters, refused: { ...counters.refused } };
}

/** The one-line status shown on a terminal. */
export function statusLine(stats: CentralStats): string {
  const registry = stats.registryAvailable ? '' : ' · REGISTRY UNAVAILABLE';
  return (
    `streams ${stats.streams} · peers ${stats.peers} · connections ${stats.connections} · ` +
    `${stats.perSecond.announces} announces/s · ${stats.perSecond.lookups} look-ups/s${dialBacksPart(stats.dialBacks)}${browsersPart(stats.browsers)}${registry}`
  );
}

/** ` · dialed back 5 reachable, 12 unreachable`; nothing before the first dial-back. */
function dialBacksPart({ reachable, unreachable }: DialBackCounters): string {
  return reachable + unreachable === 0 ? '' : ` · dialed back ${reachable} reachable, ${unreachable} unreachable`;
}

/** ` · browsers 3 (continuity ≥ 0.98, lag ≤ 4.2 s, 71% from peers)`; nothing while no page reports. */
function browsersPart(browsers: ViewerQoe): string {
  if (browsers.viewers === 0) return '';
  const details = [
    ...(browsers.continuity ? [`continuity ≥ ${browsers.continuity.worst.toFixed(2)}`] : []),
    ...(browsers.lagMs ? [`lag ≤ ${(browsers.lagMs.worst / 1000).toFixed(1)} s`] : []),
    ...(browsers.peerShare === null ? [] : [`${Math.round(browsers.peerShare * 100)}% from peers`]),
  ];
  return ` · browsers ${browsers.viewers}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}
