import type { Chunk } from './chunk.js';
import { CHUNK_MESSAGE_BYTES, isUint, writeChunkMessage } from './chunk-message.js';
import { PUBLIC_KEY_BYTES, SESSION_BYTES, SIGNATURE_BYTES, STREAM_ID_PATTERN } from './constants.js';
import { InvalidStreamIdError } from './errors.js';
import { javascriptSignatureChecks } from './javascript-signatures.js';
import type { SignatureChecks } from './signature-checks.js';

/**
 * A stream's public key ready to check chunks where there is no node:crypto (a browser):
 * the same checks as `verifyChunk`, asynchronous because `crypto.subtle` is. It checks with
 * WebCrypto where the page has Ed25519 in `crypto.subtle` (a secure context: https, or
 * http on localhost, in a browser with Ed25519), and with audited JavaScript otherwise
 * (`implementation` says which).
 */
export interface WebCryptoVerifier extends SignatureChecks {
  readonly streamId: string;
  /** The raw 32-byte public key; its bytes are part of every signed message. */
  readonly publicKey: Uint8Array;
}

/**
 * Prepares a stream's key (its id in hex) for `verifyChunkWebCrypto`. Throws
 * `INVALID_STREAM_ID` for something that is not a stream id, and `INVALID_PUBLIC_KEY`
 * for an id that is not an Ed25519 public key.
 */
export async function webCryptoVerifierFor(streamId: string): Promise<WebCryptoVerifier> {
  if (typeof streamId !== 'string' || !STREAM_ID_PATTERN.test(streamId)) {
    throw new InvalidStreamIdError('a stream id is 64 lowercase hex characters (the raw Ed25519 public key)');
  }
  const publicKey = new Uint8Array(PUBLIC_KEY_BYTES);
  for (let i = 0; i < PUBLIC_KEY_BYTES; i++) publicKey[i] = Number.parseInt(streamId.slice(2 * i, 2 * i + 2), 16);
  const checks = (await webCryptoChecks(publicKey)) ?? javascriptSignatureChecks(publicKey);
  return Object.freeze({ streamId, publicKey, ...checks });
}

/** The checks through `crypto.subtle`, or undefined where the page has none or it refuses the key as Ed25519. */
async function webCryptoChecks(publicKey: Uint8Array): Promise<SignatureChecks | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  let cryptoKey: Awaited<ReturnType<typeof subtle.importKey>>;
  try {
    cryptoKey = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return undefined;
  }
  return {
    implementation: 'webcrypto',
    sha256: async (data) => new Uint8Array(await subtle.digest('SHA-256', data)),
    verify: (sig, message) => subtle.verify({ name: 'Ed25519' }, cryptoKey, sig, message),
  };
}

/**
 * Whether `chunk` was signed by the stream's key in the publish `session`, for exactly this
 * seq, ts and data: `verifyChunk` in a page (SHA-256 digest, Ed25519 verify).
 * Anything malformed in the chunk or the session (they came from the network) is `false`.
 */
export async function verifyChunkWebCrypto(verifier: WebCryptoVerifier, session: Uint8Array, chunk: Chunk): Promise<boolean> {
  if (!(session instanceof Uint8Array) || session.length !== SESSION_BYTES) return false;
  if (!isUint(chunk.seq) || !isUint(chunk.ts) || !(chunk.data instanceof Uint8Array)) return false;
  if (!(chunk.sig instanceof Uint8Array) || chunk.sig.length !== SIGNATURE_BYTES) return false;
  const message = new Uint8Array(CHUNK_MESSAGE_BYTES);
  writeChunkMessage(message, verifier.publicKey, session, chunk.seq, chunk.ts, await verifier.sha256(chunk.data));
  return verifier.verify(chunk.sig, message);
}
