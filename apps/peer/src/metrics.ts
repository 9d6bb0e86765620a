import { VIEWER_SKIP_CAUSES, type PublisherStatsLine, type ViewerStatsLine } from '@p2pstream/peer-client';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

const PREFIX = 'p2pstream_peer_';

/** What every role reports. */
interface CommonReading {
  role: string;
  name: string;
  bytesUploaded: number;
  uploadPeers: number;
  /** Peers fetched from (viewers and relays). */
  downloadPeers?: number;
}

/**
 * The peer's numbers in Prometheus text format, for `--metrics`. They are read
 * at each scrape from the same snapshot `--stats` writes (a `ViewerStatsLine` or a
 * `PublisherStatsLine`), in a registry of this process's own, beside Node's
 * default process metrics. Only the metrics of the role being tracked exist.
 */
export class PeerMetrics {
  readonly registry = new Registry();
  #update: (() => void) | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics text, with the tracked peer's numbers read now. */
  async metrics(): Promise<string> {
    this.#update?.();
    return this.registry.metrics();
  }

  /** Reports a viewer's or relay's numbers, read from `snapshot` at each scrape. Call once. */
  trackViewer(snapshot: () => ViewerStatsLine): void {
    const common = this.#commonMetrics();
    const startup = this.#gauge('startup_seconds', 'Seconds from start to the first chunk played; absent before it');
    const played = this.#counter('chunks_played_total', 'Chunks played (written to the output, or passed by the playhead of a relay)');
    const skipped = this.#counter(
      'chunks_skipped_total',
      'Live chunks skipped because they were not held at their deadline, by cause: never-announced, timed-out, refused-busy, held-back, late, evicted',
      ['cause'],
    );
    const late = this.#counter('chunks_late_total', 'Live chunks not held at their deadline that play-out paused for instead of skipping (rebuffers)');
    const continuity = this.#gauge('continuity_ratio', 'Chunks played on time divided by chunks due; 1 while nothing is due');
    const lag = this.#gauge('lag_seconds', "Now minus the publisher's timestamp of the last chunk played; absent before it");
    const ahead = this.#gauge('buffer_ahead_seconds', 'Play time held contiguously ahead of the playhead');
    const received = this.#counter('received_bytes_total', 'Verified chunk bytes received, by source: the publisher or other peers', ['source']);
    const bad = this.#counter('bad_chunks_total', 'Chunks rejected because they failed verification (each cost its sender the connection)');
    const timeouts = this.#counter('request_timeouts_total', 'Chunk requests given up on after their timeout (asked again elsewhere)');
    this.#update = () => {
      const record = snapshot();
      common({ role: record.role, name: record.name, bytesUploaded: record.bytesUploaded, uploadPeers: record.uploadPeers, downloadPeers: record.peers });
      setOrRemove(startup, record.startupMs);
      setTotal(played, record.played);
      // Every cause is reported, 0 included, so a dashboard's rate() has a series from the start.
      skipped.reset();
      for (const cause of VIEWER_SKIP_CAUSES) skipped.inc({ cause }, record.skippedByCause[cause]);
      setTotal(late, record.rebuffers);
      continuity.set(record.continuity);
      setOrRemove(lag, record.lagMs);
      ahead.set(record.bufferAheadMs / 1000);
      received.reset();
      received.inc({ source: 'publisher' }, record.bytesFromPublisher);
      received.inc({ source: 'peer' }, record.bytesFromPeers);
      setTotal(bad, record.badChunks);
      setTotal(timeouts, record.timeouts);
    };
  }

  /** Reports a publisher's numbers, read from `snapshot` at each scrape. Call once. */
  trackPublisher(snapshot: () => PublisherStatsLine): void {
    const common = this.#commonMetrics();
    const chunks = this.#counter('published_chunks_total', 'Chunks cut from the source and signed');
    this.#update = () => {
      const record = snapshot();
      common({ role: record.role, name: record.name, bytesUploaded: record.bytesUploaded, uploadPeers: record.peers });
      setTotal(chunks, record.chunks);
    };
  }

  /** What every role reports: who it is, what it uploads, and its peers. */
  #commonMetrics(): (reading: CommonReading) => void {
    const info = this.#gauge('info', 'Always 1; the labels say what this peer does (viewer, relay, publisher) and for which stream', ['role', 'name']);
    const sent = this.#counter('sent_bytes_total', "Chunk bytes this peer's server sent to other peers");
    const peers = this.#gauge('peers', 'Peers connected: those this peer fetches from (download) and those connected to its server (upload)', ['direction']);
    return (reading) => {
      info.reset();
      info.set({ role: reading.role, name: reading.name }, 1);
      setTotal(sent, reading.bytesUploaded);
      peers.set({ direction: 'upload' }, reading.uploadPeers);
      if (reading.downloadPeers !== undefined) peers.set({ direction: 'download' }, reading.downloadPeers);
    };
  }

  #gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return new Gauge({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }

  #counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return new Counter({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }
}

/**
 * prom-client counters only go up by `inc()`; the peer keeps its own running
 * totals, which only grow, so the counter is set to the total it reports.
 */
function setTotal(counter: Counter<string>, total: number): void {
  counter.reset();
  counter.inc(total);
}

/** Milliseconds as seconds, or no sample while the value is not known yet. */
function setOrRemove(gauge: Gauge<string>, ms: number | null): void {
  if (ms === null) gauge.remove();
  else gauge.set(ms / 1000);
}
