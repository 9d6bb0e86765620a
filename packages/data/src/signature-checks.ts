/**
 * The two operations a page needs to check what a publisher signed, with one stream's key:
 * WebCrypto's where the page has Ed25519 in `crypto.subtle`, JavaScript's otherwise.
 */
export interface SignatureChecks {
  /** `webcrypto` (crypto.subtle) or `javascript` (@noble/ed25519 and @noble/hashes). */
  readonly implementation: 'webcrypto' | 'javascript';
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** Whether `sig` is the key's Ed25519 signature of `message`; anything malformed is false. */
  verify(sig: Uint8Array, message: Uint8Array): Promise<boolean>;
}
