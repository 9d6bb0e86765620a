export * from './constants.js';
export * from './errors.js';
export type * from './messages.js';
export { SCHEMAS } from './schemas.js';
export { encodeBody, decodeBody, encodeFrame, encodeFrameParts } from './codec.js';
export { FrameDecoder, type FrameDecoderOptions } from './frame-decoder.js';
export { validateMessage, type ValidateOptions } from './validate.js';
export { hello, assertSupportedVersion } from './version.js';
