import type { MapMessage } from '@p2pstream/wire';

/** A peer's buffer map from `base`, its bits as bytes (most significant bit first), claiming chunks up to its last bit. */
export const mapOf = (base: number, bits: number[], live = true): MapMessage => ({
  t: 'map',
  re: 1,
  stream: 'ab'.repeat(32),
  base,
  bits: Uint8Array.from(bits),
  edge: base + bits.length * 8,
  live,
  session: new Uint8Array(8),
  source: false,
});
