// node:buffer in a page: the `buffer` package's Buffer (feross/buffer, what bundlers have long
// shipped for it) and isUtf8, which it lacks, through the browser's strict UTF-8 decoder.
export { Buffer } from 'buffer';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
