/** Stable codes of every error this package throws or reports. */
export type PeerClientErrorCode =
  | 'INVALID_OPTION'
  | 'BAD_CHUNK'
  | 'PEER_GONE'
  | 'PEER_DROPPED'
  | 'PEER_REFUSED'
  | 'OTHER_SESSION'
  | 'CLIENT_CLOSED'
  | 'ABORTED'
  | 'READABLE_UNAVAILABLE'
  | 'BAD_STATS_LINE'
  | 'WEBRTC_SETUP_FAILED';

/** Base of every error this package throws or reports; `code` is stable, `message` says what happened. */
export class PeerClientError extends Error {
  readonly code: PeerClientErrorCode;
  constructor(code: PeerClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option is out of range. */
export class InvalidOptionError extends PeerClientError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/**
 * A peer sent a chunk whose signature does not verify in this session (or not
 * the chunk asked for, or a live chunk with a time far off): it is dropped and
 * never dialed again.
 */
export class BadChunkError extends PeerClientError {
  readonly peer: string;
  readonly seq: number;
  constructor(peer: string, seq: number) {
    super('BAD_CHUNK', `peer ${peer} sent a bad chunk ${seq} (its signature does not verify); dropped it for good`);
    this.peer = peer;
    this.seq = seq;
  }
}

/** The peer a request was meant for is no longer connected. */
export class PeerGoneError extends PeerClientError {
  readonly peer: string;
  constructor(peer: string) {
    super('PEER_GONE', `peer ${peer} is no longer connected`);
    this.peer = peer;
  }
}

/** This client dropped a peer (a bad chunk, a lie about the stream, repeated failures): a warning of the browser viewer. */
export class PeerDroppedError extends PeerClientError {
  readonly peer: string;
  constructor(peer: string, why: string) {
    super('PEER_DROPPED', `dropped peer ${peer}: ${why}`);
    this.peer = peer;
  }
}

/** A peer stopped carrying the stream (it answered UNKNOWN_STREAM). */
export class PeerRefusedError extends PeerClientError {
  readonly peer: string;
  constructor(peer: string, why: string) {
    super('PEER_REFUSED', `peer ${peer} refused: ${why}`);
    this.peer = peer;
  }
}

/**
 * A peer carries another publish session of the stream (an earlier publish of
 * the same name and key, or a newer one this client did not look up): its chunks
 * would not verify, so it is not used.
 */
export class OtherSessionError extends PeerClientError {
  constructor(theirs: string, ours: string) {
    super('OTHER_SESSION', `the peer carries session ${theirs} of the stream, not ${ours}; not using it`);
  }
}

/** The client was closed. */
export class ClientClosedError extends PeerClientError {
  constructor() {
    super('CLIENT_CLOSED', 'this peer client is closed; start a new one');
  }
}

/**
 * The signal given to `start()` aborted: everything the client had started was
 * undone. Named `AbortError`, like the DOM's, so `error.name === 'AbortError'`
 * checks work; `cause` is the signal's reason.
 */
export class AbortedError extends PeerClientError {
  constructor(reason: unknown) {
    super('ABORTED', 'the peer client was aborted by the signal given to start()', { cause: reason });
    this.name = 'AbortError';
  }
}

/** `readable()` (or iterating the client) after `start()`, or on a client given a `sink`. */
export class ReadableUnavailableError extends PeerClientError {
  constructor(why: string) {
    super('READABLE_UNAVAILABLE', why);
  }
}

/** A `--stats` line that is not what the schema says (`parseStatsLine`). */
export class BadStatsLineError extends PeerClientError {
  constructor(message: string, options?: ErrorOptions) {
    super('BAD_STATS_LINE', message, options);
  }
}

/** A set-up turned away or failed; `entry` is the offering entry as central reported it. */
export class WebRTCSetupError extends PeerClientError {
  readonly entry: string;
  constructor(entry: string, message: string, options?: ErrorOptions) {
    super('WEBRTC_SETUP_FAILED', message, options);
    this.entry = entry;
  }
}
