export type * from './messages.js';
export { encodeBody, decodeBody, encodeFrame, encodeFrameParts } from './codec.js';
export type { TakeBuffer } from './chunk-decode.js';
export { FrameDecoder, type FrameDecoderOptions } from './frame-decoder.js';
export { validateMessage, type ValidateOptions } from './validate.js';
export { hello, assertSupportedVersion } from './version.js';
export { WireError, type DecodeErrorCode } from './errors.js';
export { WireErrorCode } from './error-codes.js';
export {
  PROTOCOL_VERSION,
  FRAME_HEADER_BYTES,
  MessageType,
  type MessageTypeName,
  REPLY_TYPE,
  ROLES,
  type Role,
  REJECT_REASONS,
  type RejectReason,
  DEFAULT_MAX_CONTROL_BYTES,
  DEFAULT_MAX_CHUNK_BYTES,
  NAME_PATTERN,
  STREAM_ID_PATTERN,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  ERROR_CODE_PATTERN,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_LOOKUP_PEERS,
  MAX_LIST_STREAMS,
  MAX_SIGNAL_BYTES,
  MAX_URL_LENGTH,
} from './constants.js';
