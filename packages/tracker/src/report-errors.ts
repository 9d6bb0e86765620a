import { WireErrorCode } from '@p2pstream/wire';
import { TrackerError } from './errors.js';

/**
 * Central's refusals of a `report`. None closes the connection: a report is
 * for the status page, and losing one costs the viewer nothing.
 */

/** A report about a stream this connection has not announced: central counts only viewers it knows. */
export class ReportNotAnnouncedError extends TrackerError {
  constructor(stream: string) {
    super(WireErrorCode.notAnnounced, `this connection has not announced stream ${stream}; announce it before reporting how watching it goes`, false);
  }
}

/** Too many reports on one connection. */
export class ReportRateLimitedError extends TrackerError {
  constructor(ratePerSecond: number) {
    super(WireErrorCode.rateLimited, `too many reports on this connection (limit ${ratePerSecond}/s on average); report every few seconds`, false);
  }
}
