// Node's Buffer#latin1Slice and #utf8Slice, which wire's decoder calls on any Uint8Array
// (after checking its bytes), made of what a browser has.

const utf8 = new TextDecoder('utf-8');
/** Code units per String.fromCharCode call: far under any engine's limit on arguments. */
const LATIN1_STEP = 8192;

export function latin1Slice(this: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let at = start; at < end; at += LATIN1_STEP) text += String.fromCharCode(...this.subarray(at, Math.min(at + LATIN1_STEP, end)));
  return text;
}

export function utf8Slice(this: Uint8Array, start: number, end: number): string {
  return utf8.decode(this.subarray(start, end));
}
