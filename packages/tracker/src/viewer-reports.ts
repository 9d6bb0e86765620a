import type { Connection } from '@p2pstream/connection';
import type { ReportMessage } from '@p2pstream/wire';
import { wallClock, type Clock } from '@p2pstream/units';
import { DEFAULT_REPORT_RATE_PER_CONNECTION, REPORT_BURST_SECONDS } from './constants.js';
import { RateLimiter } from './rate-limiter.js';
import { ReportNotAnnouncedError, ReportRateLimitedError } from './report-errors.js';
import type { TrackerSession } from './tracker.js';

export interface ViewerReportsOptions {
  /**
   * Reports per second one connection may send on average (a watch page sends one every few seconds).
   * @default 1
   */
  reportRate?: number;
  /**
   * Reports one connection may send at once.
   * @default 5 × reportRate
   */
  reportBurst?: number;
  /** @default the system's wall clock */
  clock?: Clock;
}

/** The latest report of one viewer (a connection) in one stream: totals since it started watching. */
export type ViewerReport = Omit<ReportMessage, 't' | 'id' | 'stream'>;

/** A mean and the worst value over the viewers that report the quantity; null when none does yet. */
export interface Spread {
  readonly mean: number;
  readonly worst: number;
}

/** What central shows about the viewers that report their QoE (the watch pages: browser peers). */
export interface ViewerQoe {
  /** Connections holding a report now. */
  readonly viewers: number;
  /** played ÷ (played + skipped), per viewer that had any chunk due; worst is the lowest. */
  readonly continuity: Spread | null;
  /** ms behind the publisher's clock, per viewer that played a chunk; worst is the highest. */
  readonly lagMs: Spread | null;
  /** Bytes every reporting viewer took from other peers, from the publisher, and uploaded (totals of the latest reports). */
  readonly bytesFromPeers: number;
  readonly bytesFromPublisher: number;
  readonly bytesUploaded: number;
  /** bytesFromPeers ÷ (bytesFromPeers + bytesFromPublisher); null before any byte. */
  readonly peerShare: number | null;
}

/** Reports taken and refused, for the status page and `--stats`. */
export interface ReportCounters {
  accepted: number;
  /** Refusals by code. */
  refused: Record<string, number>;
}

/**
 * The QoE viewers report to central, kept per connection and stream. A report
 * counts for the connection it came on, only for a stream that connection
 * announced, and is forgotten when the connection closes or leaves the stream:
 * what central shows is always about viewers connected now.
 */
export class ViewerReports {
  readonly counters: ReportCounters = { accepted: 0, refused: {} };
  readonly reportRate: number;
  readonly #reportBurst: number;
  readonly #clock: Clock;
  /** connection → stream id → its latest report. */
  readonly #reports = new Map<Connection, Map<string, ViewerReport>>();
  readonly #limiters = new WeakMap<Connection, RateLimiter>();

  constructor(options: ViewerReportsOptions = {}) {
    this.reportRate = options.reportRate ?? DEFAULT_REPORT_RATE_PER_CONNECTION;
    this.#reportBurst = options.reportBurst ?? Math.max(1, Math.ceil(this.reportRate * REPORT_BURST_SECONDS));
    this.#clock = options.clock ?? wallClock;
    // Checked here so a bad flag fails at start, not at the first report.
    new RateLimiter({ ratePerSecond: this.reportRate, burst: this.#reportBurst, clock: this.#clock });
  }

  /** Keeps `message` as the connection's latest report in its stream, or throws the refusal to answer with. */
  take(session: TrackerSession, message: ReportMessage, connection: Connection): void {
    try {
      if (!session.announced.has(message.stream)) throw new ReportNotAnnouncedError(message.stream);
      if (!this.#limiter(connection).take('')) throw new ReportRateLimitedError(this.reportRate);
      let reports = this.#reports.get(connection);
      if (!reports) {
        this.#reports.set(connection, (reports = new Map()));
        connection.once('close', () => this.#reports.delete(connection));
      }
      const { t: _t, id: _id, stream, ...report } = message;
      reports.set(stream, report);
      this.counters.accepted += 1;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      this.counters.refused[code] = (this.counters.refused[code] ?? 0) + 1;
      throw error;
    }
  }

  /** After an accepted leave: the connection no longer watches `stream`. */
  left(connection: Connection, stream: string): void {
    const reports = this.#reports.get(connection);
    reports?.delete(stream);
    if (reports?.size === 0) this.#reports.delete(connection);
  }

  /** Every viewer's latest report, summed up. */
  summary(): ViewerQoe {
    return summarizeReports([...this.#reports.values()].flatMap((reports) => [...reports.values()]), this.#reports.size);
  }

  #limiter(connection: Connection): RateLimiter {
    let limiter = this.#limiters.get(connection);
    if (!limiter) this.#limiters.set(connection, (limiter = new RateLimiter({ ratePerSecond: this.reportRate, burst: this.#reportBurst, clock: this.#clock })));
    return limiter;
  }
}

/** The QoE of `viewers` viewers from their latest reports (one per viewer and stream). */
export function summarizeReports(reports: readonly ViewerReport[], viewers: number): ViewerQoe {
  const continuities = reports.filter((r) => r.played + r.skipped > 0).map((r) => r.played / (r.played + r.skipped));
  const lags = reports.flatMap((r) => (r.lag === undefined ? [] : [r.lag]));
  const sum = (pick: (report: ViewerReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
  const bytesFromPeers = sum((r) => r.fromPeers);
  const bytesFromPublisher = sum((r) => r.fromPublisher);
  const received = bytesFromPeers + bytesFromPublisher;
  return {
    viewers,
    continuity: spread(continuities, Math.min),
    lagMs: spread(lags, Math.max),
    bytesFromPeers,
    bytesFromPublisher,
    bytesUploaded: sum((r) => r.uploaded),
    peerShare: received > 0 ? bytesFromPeers / received : null,
  };
}

function spread(values: readonly number[], worstOf: (...values: number[]) => number): Spread | null {
  if (values.length === 0) return null;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, worst: worstOf(...values) };
}
