import { WireErrorCode } from '@p2pstream/wire';

/**
 * Stable codes central answers with in `error { re, code, message }`. Codes
 * that come from the connection layer (wire validation, limits) pass through
 * as that package defines them.
 */
export type TrackerErrorCode =
  | typeof WireErrorCode.nameTaken
  | typeof WireErrorCode.keyBound
  | typeof WireErrorCode.streamNotFound
  | typeof WireErrorCode.timestampOutOfWindow
  | typeof WireErrorCode.replayed
  | typeof WireErrorCode.badSignature
  | typeof WireErrorCode.notAnnounced
  | typeof WireErrorCode.rateLimited
  | typeof WireErrorCode.tooManyStreams
  | typeof WireErrorCode.tooManyEntries
  | typeof WireErrorCode.registryUnavailable
  | typeof WireErrorCode.signalTargetGone
  | typeof WireErrorCode.signalsNotAccepted
  | typeof WireErrorCode.signalTooLarge;

/**
 * A request central refuses. `closesConnection` is true for input an honest
 * peer never sends (a forged or replayed publish, a flood): central answers,
 * then closes that one connection. Other refusals leave it open.
 */
export class TrackerError extends Error {
  readonly code: TrackerErrorCode;
  readonly closesConnection: boolean;
  constructor(code: TrackerErrorCode, message: string, closesConnection: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.closesConnection = closesConnection;
  }
}

/** The name is bound to another publisher key. */
export class NameTakenError extends TrackerError {
  constructor(name: string) {
    super(WireErrorCode.nameTaken, `the name ${name} belongs to another publisher key; choose another name`, false);
  }
}

/** The key already publishes under another name (one name per key). */
export class KeyBoundError extends TrackerError {
  constructor(name: string) {
    super(WireErrorCode.keyBound, `this publisher key already publishes under the name ${name}; use that name or a new key`, false);
  }
}

/** No stream is published under that name or id. */
export class StreamNotFoundError extends TrackerError {
  constructor(what: string) {
    super(WireErrorCode.streamNotFound, `no stream ${what} is published here; publish it first, or check the name`, false);
  }
}

/** The publish timestamp is too far from central's clock. */
export class TimestampOutOfWindowError extends TrackerError {
  constructor(skewMs: number, windowMs: number) {
    const direction = skewMs < 0 ? 'behind' : 'ahead of';
    super(
      WireErrorCode.timestampOutOfWindow,
      `the publish timestamp is ${Math.round(Math.abs(skewMs) / 1000)} s ${direction} central's clock (allowed: ${Math.round(windowMs / 1000)} s); sign with the current time, and check this machine's clock`,
      false,
    );
  }
}

/** A publish that is not newer than the last one accepted for the key: a replay. */
export class ReplayedError extends TrackerError {
  constructor() {
    super(WireErrorCode.replayed, 'this publish is not newer than the last one accepted for the key (a replay); sign a new timestamp', true);
  }
}

/** The publish signature does not verify for the key, name and timestamp. */
export class BadSignatureError extends TrackerError {
  constructor() {
    super(WireErrorCode.badSignature, 'the publish signature does not verify for this key, name and timestamp', true);
  }
}

/** An announce's signed head or end that does not verify for the stream's key and current publish session. */
export class BadHeadError extends TrackerError {
  constructor(stream: string) {
    super(
      WireErrorCode.badSignature,
      `the signed head or end announced for stream ${stream} does not verify for its key and the session of its current publish`,
      true,
    );
  }
}

/** A `leave` for an entry this connection did not announce. */
export class NotAnnouncedError extends TrackerError {
  constructor(stream: string) {
    super(WireErrorCode.notAnnounced, `this connection has not announced stream ${stream}; a peer may only remove its own entry`, true);
  }
}

/** Too many announces from one IP address. */
export class RateLimitedError extends TrackerError {
  constructor(host: string, ratePerSecond: number) {
    super(WireErrorCode.rateLimited, `too many announces from ${host} (limit ${ratePerSecond}/s on average); announce at the interval central gives`, true);
  }
}

/** Too many distinct streams from one IP address. */
export class TooManyStreamsError extends TrackerError {
  constructor(host: string, max: number, windowMs: number) {
    super(
      WireErrorCode.tooManyStreams,
      `${host} published or announced more than ${max} distinct streams within ${Math.round(windowMs / 60_000)} min`,
      true,
    );
  }
}

/** One address already holds its cap of entries in this stream's list. */
export class TooManyEntriesError extends TrackerError {
  constructor(host: string, max: number) {
    super('TOO_MANY_ENTRIES', `${host} already announces ${max} ports for this stream; leave one first`, false);
  }
}

/** The registry (Redis) cannot be reached; the request may be retried here later or at another central. */
export class RegistryUnavailableError extends TrackerError {
  constructor(message: string, options?: ErrorOptions) {
    super(WireErrorCode.registryUnavailable, message, false, options);
  }
}

/**
 * The memory registry's state file (name bindings kept across restarts) cannot
 * be used: `STATE_FILE_INVALID` at start for a file that is not one central
 * wrote, `STATE_FILE_UNWRITABLE` when saving (or creating its directory) fails.
 */
export class StateFileError extends Error {
  readonly code: 'STATE_FILE_INVALID' | 'STATE_FILE_UNWRITABLE';
  constructor(code: 'STATE_FILE_INVALID' | 'STATE_FILE_UNWRITABLE', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
