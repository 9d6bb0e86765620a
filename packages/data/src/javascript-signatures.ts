import { Point, hashes, verify } from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { InvalidPublicKeyError } from './errors.js';
import type { SignatureChecks } from './signature-checks.js';

/**
 * Ed25519 and SHA-256 in JavaScript (@noble/ed25519 and @noble/hashes, both audited), for a
 * page without them in `crypto.subtle`: one opened over plain http from another machine is
 * not a secure context and has no `crypto.subtle` at all, and older browsers lack Ed25519.
 * Throws `INVALID_PUBLIC_KEY` when the key is not a point of the curve.
 */
export function javascriptSignatureChecks(publicKey: Uint8Array): SignatureChecks {
  // noble's synchronous verify hashes with the SHA-512 it is given; the default would ask crypto.subtle.
  hashes.sha512 ??= sha512;
  try {
    Point.fromBytes(publicKey, false);
  } catch (cause) {
    throw new InvalidPublicKeyError('the stream id is not an Ed25519 public key', { cause });
  }
  return {
    implementation: 'javascript',
    sha256: async (data) => sha256(data),
    // RFC 8032's strict rules, as node:crypto (OpenSSL) verifies on Node peers; malformed input is false, not a throw.
    verify: async (sig, message) => {
      try {
        return verify(sig, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}
