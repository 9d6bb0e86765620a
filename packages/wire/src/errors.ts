import type { WireErrorCode } from './error-codes.js';

/** Stable codes for every way the decoder refuses input; all but `DECODER_CLOSED` (local) also travel in `error` frames. */
export type DecodeErrorCode =
  | typeof WireErrorCode.frameTooLarge
  | typeof WireErrorCode.malformed
  | typeof WireErrorCode.truncated
  | typeof WireErrorCode.unknownType
  | typeof WireErrorCode.invalidField
  | typeof WireErrorCode.unsupportedVersion
  | 'DECODER_CLOSED';

/** Base of every error this package throws; `code` is stable, `message` says what was wrong. */
export class WireError extends Error {
  readonly code: DecodeErrorCode;
  constructor(code: DecodeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The length prefix announces more bytes than this decoder accepts. */
export class FrameTooLargeError extends WireError {
  constructor(message: string) {
    super('FRAME_TOO_LARGE', message);
  }
}

/** The body is not one well-formed msgpack value of the kinds our messages use. */
export class MalformedFrameError extends WireError {
  constructor(message: string, options?: ErrorOptions) {
    super('MALFORMED', message, options);
  }
}

/** The input ended in the middle of a frame. */
export class TruncatedFrameError extends WireError {
  constructor(message: string) {
    super('TRUNCATED', message);
  }
}

/** The body's `t` is not a message type of this protocol. */
export class UnknownTypeError extends WireError {
  constructor(message: string) {
    super('UNKNOWN_TYPE', message);
  }
}

/** A field is missing, extra, of the wrong type or out of range. */
export class InvalidFieldError extends WireError {
  constructor(message: string) {
    super('INVALID_FIELD', message);
  }
}

/** The other side speaks a protocol major version we do not. */
export class UnsupportedVersionError extends WireError {
  constructor(message: string) {
    super('UNSUPPORTED_VERSION', message);
  }
}

/** The decoder already refused input; the connection it served must close. */
export class DecoderClosedError extends WireError {
  constructor(cause: WireError | undefined) {
    super('DECODER_CLOSED', 'the frame decoder refused earlier input and is closed', { cause });
  }
}
