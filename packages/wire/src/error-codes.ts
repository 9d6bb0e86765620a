/**
 * Every code that travels in an `error { code }` frame or as a `reject` reason,
 * in one place: the side that sends a code and the side that branches on it
 * spell it the same way. Packages name these in their error classes; a code an
 * app invents for `close()` or `replyError()` need only match ERROR_CODE_PATTERN.
 */
export const WireErrorCode = {
  // A frame or body this side refused; the connection closes.
  frameTooLarge: 'FRAME_TOO_LARGE',
  malformed: 'MALFORMED',
  truncated: 'TRUNCATED',
  unknownType: 'UNKNOWN_TYPE',
  invalidField: 'INVALID_FIELD',
  unsupportedVersion: 'UNSUPPORTED_VERSION',
  // The connection layer: limits, deadlines, order of messages.
  protocolViolation: 'PROTOCOL_VIOLATION',
  handshakeTimeout: 'HANDSHAKE_TIMEOUT',
  idleTimeout: 'IDLE_TIMEOUT',
  frameTimeout: 'FRAME_TIMEOUT',
  tooManyRequests: 'TOO_MANY_REQUESTS',
  tooManyConnections: 'TOO_MANY_CONNECTIONS',
  banned: 'BANNED',
  sendBufferFull: 'SEND_BUFFER_FULL',
  sendStalled: 'SEND_STALLED',
  unhandledRequest: 'UNHANDLED_REQUEST',
  internalError: 'INTERNAL_ERROR',
  shuttingDown: 'SHUTTING_DOWN',
  // Central's refusals (peer ⇄ central).
  nameTaken: 'NAME_TAKEN',
  keyBound: 'KEY_BOUND',
  streamNotFound: 'STREAM_NOT_FOUND',
  timestampOutOfWindow: 'TIMESTAMP_OUT_OF_WINDOW',
  replayed: 'REPLAYED',
  badSignature: 'BAD_SIGNATURE',
  notAnnounced: 'NOT_ANNOUNCED',
  rateLimited: 'RATE_LIMITED',
  tooManyStreams: 'TOO_MANY_STREAMS',
  tooManyEntries: 'TOO_MANY_ENTRIES',
  registryUnavailable: 'REGISTRY_UNAVAILABLE',
  // Central's refusals of a `signal`: no entry to deliver it to, or the target takes no signals.
  signalTargetGone: 'SIGNAL_TARGET_GONE',
  signalsNotAccepted: 'SIGNALS_NOT_ACCEPTED',
  signalTooLarge: 'SIGNAL_TOO_LARGE',
  // A serving peer's refusals (peer ⇄ peer); the last four are also `reject` reasons.
  alreadyJoined: 'ALREADY_JOINED',
  streamFull: 'STREAM_FULL',
  cancelled: 'CANCELLED',
  unknownStream: 'UNKNOWN_STREAM',
  notHeld: 'NOT_HELD',
  outsideWindow: 'OUTSIDE_WINDOW',
  busy: 'BUSY',
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];
