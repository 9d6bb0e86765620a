import type { KeyObject } from 'node:crypto';
import { VERIFIER_CACHE_SIZE } from './constants.js';
import { importPublicKey, publicKeyOf, streamIdOf } from './stream-key.js';

/**
 * A stream's public key, imported once. Verifying with it does not re-import
 * the key for every chunk.
 */
export interface StreamVerifier {
  readonly streamId: string;
  /** The raw 32-byte public key; its bytes are part of every signed message. */
  readonly publicKey: Uint8Array;
  readonly keyObject: KeyObject;
}

/** Most recently used last, so the first key is the one to drop. */
const cache = new Map<string, StreamVerifier>();

/**
 * The verifier for a stream id (hex) or a raw public key, from a bounded cache
 * of the most recently used keys. Throws `INVALID_STREAM_ID` or
 * `INVALID_PUBLIC_KEY` for something that is not a key.
 */
export function verifierFor(streamIdOrPublicKey: string | Uint8Array): StreamVerifier {
  const streamId = typeof streamIdOrPublicKey === 'string' ? streamIdOrPublicKey : streamIdOf(streamIdOrPublicKey);
  const cached = cache.get(streamId);
  if (cached !== undefined) {
    cache.delete(streamId);
    cache.set(streamId, cached);
    return cached;
  }
  const publicKey = publicKeyOf(streamId);
  const verifier: StreamVerifier = Object.freeze({ streamId, publicKey, keyObject: importPublicKey(publicKey) });
  cache.set(streamId, verifier);
  if (cache.size > VERIFIER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return verifier;
}
