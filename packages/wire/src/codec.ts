import { Packr, RESERVE_START_SPACE } from 'msgpackr';
import { FRAME_HEADER_BYTES } from './constants.js';
import { decodeChunkBody, type TakeBuffer } from './chunk-decode.js';
import { encodeChunkParts } from './chunk-encode.js';
import type { Message } from './messages.js';
import { decodeMsgpack } from './msgpack-decode.js';

/**
 * msgpackr writes bodies — plain maps and arrays only: no records, no structured
 * clone, no extra types, so every body it writes is one `decodeMsgpack` accepts.
 * It never reads one: untrusted bytes go only through our own strict decoder.
 */
// msgpackr's fastest object writer (a map16 header filled in afterwards) is only
// used without `variableMapSize` / `skipValues`, so undefined fields are left out
// in `encodeBody` instead.
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
});

/**
 * A small body's binary fields are copied out rather than handed out as views:
 * a 32-byte key kept for long must not pin the whole socket read it came in.
 * A chunk's payload lives in a large body and is decoded in place.
 */
const SMALL_BODY_BYTES = 1024;

/** Encodes a message body (no length prefix). */
export function encodeBody(message: Message): Buffer {
  return packr.pack(withoutUndefined(message));
}

/** `error.re` is the only optional field: an `undefined` there must not reach the wire. */
function withoutUndefined(message: Message): Message {
  if (message.t === 'error' && message.re === undefined && 're' in message) {
    const { re: _, ...rest } = message;
    return rest;
  }
  return message;
}

/**
 * Decodes the body held in `bytes[start, end)`. `bin` fields of a large body come
 * back as views into `bytes`; a small body's are copied once. Pass `inPlace` when
 * `bytes` is already a private copy (a frame joined from several reads), so
 * nothing is copied a second time. With `takeBuffer`, `bytes` is about to be
 * reused: every `bin` field is copied, a chunk's payload into a buffer from it.
 */
export function decodeBody(bytes: Uint8Array, start = 0, end = bytes.length, inPlace = false, takeBuffer?: TakeBuffer): unknown {
  const copy = takeBuffer !== undefined || (!inPlace && end - start <= SMALL_BODY_BYTES);
  return decodeChunkBody(bytes, start, end, copy, takeBuffer) ?? decodeMsgpack(bytes, start, end, copy);
}

/** A whole frame — length prefix and body — in one buffer. */
export function encodeFrame(message: Message): Buffer {
  if (message.t === 'chunk') return Buffer.concat(encodeFrameParts(message));
  // msgpackr leaves room for the length prefix in front of the body: no second buffer, no copy.
  const frame = packr.pack(withoutUndefined(message), RESERVE_START_SPACE | FRAME_HEADER_BYTES);
  frame.writeUInt32BE(frame.length - FRAME_HEADER_BYTES, 0);
  return frame;
}

/**
 * A frame as buffers to write back to back (e.g. with `socket.cork()`). A chunk's
 * payload is one of the parts as given, never copied; other messages are one part.
 */
export function encodeFrameParts(message: Message): Buffer[] {
  if (message.t !== 'chunk') return [encodeFrame(message)];
  return encodeChunkParts(message);
}
