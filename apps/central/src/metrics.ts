import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CentralStats } from './stats.js';

const PREFIX = 'p2pstream_central_';

/**
 * Central's numbers in Prometheus text format, for `--metrics`: the latest
 * once-a-second reading (the one `--stats` writes and `/stats.json` serves),
 * in a registry of this process's own, beside Node's default process metrics.
 */
export class CentralMetrics {
  readonly registry = new Registry();
  readonly #latest: () => CentralStats;
  readonly #update: (stats: CentralStats) => void;

  constructor(latest: () => CentralStats) {
    this.#latest = latest;
    collectDefaultMetrics({ register: this.registry });
    const streams = this.#gauge('streams', 'Streams listed: with live peers, or within their grace period');
    const peers = this.#gauge('peers', 'Peer entries announced and not expired, over every stream');
    const connections = this.#gauge('connections', 'Peer connections held by this central');
    const registryUp = this.#gauge('registry_up', '1 while the registry (memory or Redis) answers; 0 while Redis cannot be reached');
    const requests = {
      announce: this.#counter('announces_total', 'Announce requests received'),
      lookup: this.#counter('lookups_total', 'Look-up requests received'),
      publish: this.#counter('publishes_total', 'Publish requests received'),
      list: this.#counter('lists_total', 'List requests received'),
      leave: this.#counter('leaves_total', 'Leave requests received'),
      restored: this.#counter('publishes_restored_total', "Streams published again from their source connection's earlier publish after the registry lost them (a Redis restarted empty)"),
    };
    const errors = this.#counter('errors_total', 'Requests refused, by the error code answered (NAME_TAKEN, RATE_LIMITED, …)', ['code']);
    const signalsRelayed = this.#counter('signals_relayed_total', 'Signals (WebRTC offers, answers, candidates) relayed between entries of a stream');
    const signalsAcross = this.#counter(
      'signals_across_centrals_total',
      'Signals relayed between this central and another on the same Redis registry: sent (to an entry held there) or received (for an entry held here)',
      ['direction'],
    );
    const signalsRefused = this.#counter('signals_refused_total', 'Signals refused, by the error code answered (SIGNAL_TARGET_GONE, RATE_LIMITED, …)', ['code']);
    const dialBacks = this.#counter('dial_backs_total', 'Peers dialed back at their announced port, by what it found: reachable, unreachable (behind a NAT), busy (not tried)', ['result']);
    // Browser peers: the watch pages connected now, from the QoE they report. A quantity no page reported yet is NaN, not a perfect or a zero score.
    const browsers = this.#gauge('browser_peers', 'Watch pages (browser peers) connected now that report their QoE');
    const continuityMean = this.#gauge('browser_continuity_mean', "Mean over browser peers of chunks played / (played + skipped) since each page started");
    const continuityWorst = this.#gauge('browser_continuity_worst', "The lowest browser peer's chunks played / (played + skipped)");
    const lagMean = this.#gauge('browser_lag_seconds_mean', "Mean over browser peers of the time behind the publisher's clock of the chunk each played last");
    const lagWorst = this.#gauge('browser_lag_seconds_worst', "The most behind browser peer's time behind the publisher's clock");
    const peerShare = this.#gauge('browser_bytes_from_peers_ratio', 'Share of the bytes browser peers received that came from other peers rather than the publisher');
    const browserReceived = this.#gauge('browser_received_bytes', 'Bytes the browser peers connected now received, from other peers or from the publisher', ['source']);
    const browserUploaded = this.#gauge('browser_uploaded_bytes', 'Bytes the browser peers connected now uploaded to other peers');
    const reports = this.#counter('browser_reports_total', 'QoE reports taken from watch pages');
    const reportsRefused = this.#counter('browser_reports_refused_total', 'QoE reports refused, by the error code answered (NOT_ANNOUNCED, RATE_LIMITED)', ['code']);
    this.#update = (stats) => {
      streams.set(stats.streams);
      peers.set(stats.peers);
      connections.set(stats.connections);
      registryUp.set(stats.registryAvailable ? 1 : 0);
      // The tracker keeps running totals that only grow; each counter is set to them rather than counting twice.
      for (const [kind, counter] of Object.entries(requests) as Array<[keyof typeof requests, Counter<string>]>) {
        counter.reset();
        counter.inc(stats.totals[kind]);
      }
      errors.reset();
      for (const [code, count] of Object.entries(stats.totals.refused)) errors.inc({ code }, count);
      signalsRelayed.reset();
      signalsRelayed.inc(stats.signals.relayed);
      signalsAcross.reset();
      signalsAcross.inc({ direction: 'sent' }, stats.signals.relayedAcross);
      signalsAcross.inc({ direction: 'received' }, stats.signals.receivedAcross);
      signalsRefused.reset();
      for (const [code, count] of Object.entries(stats.signals.refused)) signalsRefused.inc({ code }, count);
      dialBacks.reset();
      for (const [result, count] of Object.entries(stats.dialBacks)) dialBacks.inc({ result }, count);
      const qoe = stats.browsers;
      browsers.set(qoe.viewers);
      continuityMean.set(qoe.continuity?.mean ?? NaN);
      continuityWorst.set(qoe.continuity?.worst ?? NaN);
      lagMean.set(qoe.lagMs ? qoe.lagMs.mean / 1000 : NaN);
      lagWorst.set(qoe.lagMs ? qoe.lagMs.worst / 1000 : NaN);
      peerShare.set(qoe.peerShare ?? NaN);
      browserReceived.set({ source: 'peers' }, qoe.bytesFromPeers);
      browserReceived.set({ source: 'publisher' }, qoe.bytesFromPublisher);
      browserUploaded.set(qoe.bytesUploaded);
      reports.reset();
      reports.inc(stats.reports.accepted);
      reportsRefused.reset();
      for (const [code, count] of Object.entries(stats.reports.refused)) reportsRefused.inc({ code }, count);
    };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics text, from the latest reading. */
  async metrics(): Promise<string> {
    this.#update(this.#latest());
    return this.registry.metrics();
  }

  #gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return new Gauge({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }

  #counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return new Counter({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }
}
