import { WireErrorCode } from '@p2pstream/wire';
import { TrackerError } from './errors.js';

/**
 * Central's refusals of a `signal`. None closes the connection: a target that
 * left a moment ago, or a burst of ICE candidates, is what honest peers cause.
 */

/** No connection to this central announced the target entry (it left, expired, or is on another central). */
export class SignalTargetGoneError extends TrackerError {
  constructor(stream: string, host: string, port: number) {
    super(
      WireErrorCode.signalTargetGone,
      `no connection to this central announces ${host}:${port} in stream ${stream} (it left, or announces to another central: signals are not relayed between centrals); look the stream up again`,
      false,
    );
  }
}

/** The target announced without `signals: true`: it takes no signaling (an older peer, or one without WebRTC). */
export class SignalsNotAcceptedError extends TrackerError {
  constructor(host: string, port: number) {
    super(WireErrorCode.signalsNotAccepted, `the entry ${host}:${port} does not take signals; connect to it over TCP instead`, false);
  }
}

/** The payload is over this central's limit (`--max-signal-bytes`), which may be below the wire's. */
export class SignalTooLargeError extends TrackerError {
  constructor(bytes: number, max: number) {
    super(WireErrorCode.signalTooLarge, `a signal of ${bytes} bytes is over this central's limit of ${max}; send candidates one by one`, false);
  }
}

/** Too many signals on one connection. */
export class SignalRateLimitedError extends TrackerError {
  constructor(ratePerSecond: number) {
    super(WireErrorCode.rateLimited, `too many signals on this connection (limit ${ratePerSecond}/s on average); wait a moment and send again`, false);
  }
}

/** A `signal` for a stream this connection has not announced: only an entry of the stream may signal another. */
export class SignalNotAnnouncedError extends TrackerError {
  constructor(stream: string) {
    super(WireErrorCode.notAnnounced, `this connection has not announced stream ${stream}; announce it before signaling its peers`, false);
  }
}
