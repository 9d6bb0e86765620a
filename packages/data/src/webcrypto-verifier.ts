import type { Chunk } from './chunk.js';
import { CHUNK_MESSAGE_BYTES, isUint, writeChunkMessage } from './chunk-message.js';
import { PUBLIC_KEY_BYTES, SESSION_BYTES, SIGNATURE_BYTES, STREAM_ID_PATTERN } from './constants.js';
import { InvalidPublicKeyError, InvalidStreamIdError } from './errors.js';

/** WebCrypto's key type, named through `crypto.subtle` because the lib has no DOM types. */
type CryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;

/**
 * A stream's public key imported into WebCrypto, for verifying chunks where there is no
 * node:crypto (a browser). The same checks as `verifyChunk`, asynchronous because
 * `crypto.subtle` is.
 */
export interface WebCryptoVerifier {
  readonly streamId: string;
  /** The raw 32-byte public key; its bytes are part of every signed message. */
  readonly publicKey: Uint8Array;
  readonly cryptoKey: CryptoKey;
}

/**
 * Imports a stream's key (its id in hex) for `verifyChunkWebCrypto`. Throws
 * `INVALID_STREAM_ID` for something that is not a stream id, and `INVALID_PUBLIC_KEY`
 * when this WebCrypto has no Ed25519 or refuses the key.
 */
export async function webCryptoVerifierFor(streamId: string): Promise<WebCryptoVerifier> {
  if (typeof streamId !== 'string' || !STREAM_ID_PATTERN.test(streamId)) {
    throw new InvalidStreamIdError('a stream id is 64 lowercase hex characters (the raw Ed25519 public key)');
  }
  const publicKey = new Uint8Array(PUBLIC_KEY_BYTES);
  for (let i = 0; i < PUBLIC_KEY_BYTES; i++) publicKey[i] = Number.parseInt(streamId.slice(2 * i, 2 * i + 2), 16);
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await globalThis.crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (cause) {
    throw new InvalidPublicKeyError('this WebCrypto does not take the key as Ed25519 (a browser without Ed25519 in crypto.subtle?)', { cause });
  }
  return Object.freeze({ streamId, publicKey, cryptoKey });
}

/**
 * Whether `chunk` was signed by the stream's key in the publish `session`, for exactly this
 * seq, ts and data: `verifyChunk` through WebCrypto (SHA-256 digest, Ed25519 verify).
 * Anything malformed in the chunk or the session (they came from the network) is `false`.
 */
export async function verifyChunkWebCrypto(verifier: WebCryptoVerifier, session: Uint8Array, chunk: Chunk): Promise<boolean> {
  if (!(session instanceof Uint8Array) || session.length !== SESSION_BYTES) return false;
  if (!isUint(chunk.seq) || !isUint(chunk.ts) || !(chunk.data instanceof Uint8Array)) return false;
  if (!(chunk.sig instanceof Uint8Array) || chunk.sig.length !== SIGNATURE_BYTES) return false;
  const subtle = globalThis.crypto.subtle;
  const digest = new Uint8Array(await subtle.digest('SHA-256', chunk.data));
  const message = new Uint8Array(CHUNK_MESSAGE_BYTES);
  writeChunkMessage(message, verifier.publicKey, session, chunk.seq, chunk.ts, digest);
  return subtle.verify({ name: 'Ed25519' }, verifier.cryptoKey, chunk.sig, message);
}
