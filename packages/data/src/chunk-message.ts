import { CHUNK_SIGNATURE_DOMAIN, PUBLIC_KEY_BYTES, SESSION_BYTES, SHA256_BYTES } from './constants.js';

// The chunk message's layout in one place, with no Node API, so the Node signer and the
// WebCrypto verifier (browsers) build the same bytes; only the hashing differs between them.
//   "p2pstream-chunk-v2" 0x00  publicKey[32]  session[8]  seq u64be  ts u64be  sha256(data)[32]
// The 0x00 ends the domain, so no domain can be a prefix of another's message.
const CHUNK_PREFIX = Uint8Array.from([...new TextEncoder().encode(CHUNK_SIGNATURE_DOMAIN), 0]);

/** How long a chunk's signed message is. */
export const CHUNK_MESSAGE_BYTES = CHUNK_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES + 8 + 8 + SHA256_BYTES;

/**
 * Writes the bytes a chunk signature covers into `target` (`CHUNK_MESSAGE_BYTES` long), given
 * the SHA-256 of the chunk's data. The caller has checked the session's length and that seq
 * and ts are u53.
 */
export function writeChunkMessage(target: Uint8Array, publicKey: Uint8Array, session: Uint8Array, seq: number, ts: number, dataSha256: Uint8Array): void {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  target.set(CHUNK_PREFIX);
  target.set(publicKey, CHUNK_PREFIX.length);
  target.set(session, CHUNK_PREFIX.length + PUBLIC_KEY_BYTES);
  let offset = CHUNK_PREFIX.length + PUBLIC_KEY_BYTES + SESSION_BYTES;
  for (const value of [seq, ts]) {
    view.setUint32(offset, Math.floor(value / 2 ** 32));
    view.setUint32(offset + 4, value >>> 0);
    offset += 8;
  }
  target.set(dataSha256, offset);
}

/** Whether a seq or ts can be signed: an integer from 0 to 2^53 - 1. */
export function isUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
