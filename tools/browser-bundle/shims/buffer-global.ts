// Injected into the bundle for the global Buffer that wire, connection and webrtc use: the
// `buffer` package's. wire's decoder also reads strings through two of Node's own Buffer
// methods, latin1Slice and utf8Slice (on any Uint8Array, after checking the bytes), which
// the package lacks; these do the same with what a browser has.
import { Buffer } from 'buffer';

type StringSlice = (this: Uint8Array, start: number, end: number) => string;
const prototype = Buffer.prototype as unknown as { latin1Slice?: StringSlice; utf8Slice?: StringSlice };
const utf8 = new TextDecoder('utf-8');
/** Code units per String.fromCharCode call: far under any engine's limit on arguments. */
const LATIN1_STEP = 8192;

prototype.latin1Slice ??= function latin1Slice(start, end) {
  let text = '';
  for (let at = start; at < end; at += LATIN1_STEP) text += String.fromCharCode(...this.subarray(at, Math.min(at + LATIN1_STEP, end)));
  return text;
};
prototype.utf8Slice ??= function utf8Slice(start, end) {
  return utf8.decode(this.subarray(start, end));
};

export { Buffer };
