import { END_SIGNATURE_DOMAIN, HEAD_SIGNATURE_DOMAIN, PUBLIC_KEY_BYTES, SESSION_BYTES, SIGNATURE_BYTES } from './constants.js';
import { isUint } from './chunk-message.js';
import type { SignedEnd, SignedHead } from './signed-head.js';
import { isSession } from './stream-session.js';
import type { WebCryptoVerifier } from './webcrypto-verifier.js';

// `verifyHead` and `verifyEnd` for a page, through the verifier's checks (WebCrypto or
// JavaScript). The layout is signed-head.ts's (and the README's), written here with plain
// Uint8Arrays because that file signs with node:crypto:
//   head: "p2pstream-head-v1" 0x00  publicKey[32]  session[8]  edge u64be  ts u64be
//   end:  "p2pstream-end-v1"  0x00  publicKey[32]  session[8]  edge u64be

const ascii = new TextEncoder();

function signedBytes(domain: string, publicKey: Uint8Array, session: Uint8Array, numbers: readonly number[]): Uint8Array {
  const prefix = ascii.encode(domain);
  const message = new Uint8Array(prefix.length + 1 + PUBLIC_KEY_BYTES + SESSION_BYTES + 8 * numbers.length);
  message.set(prefix);
  // message[prefix.length] stays 0: it ends the domain, so no domain is a prefix of another's message.
  message.set(publicKey, prefix.length + 1);
  message.set(session, prefix.length + 1 + PUBLIC_KEY_BYTES);
  const view = new DataView(message.buffer);
  let offset = prefix.length + 1 + PUBLIC_KEY_BYTES + SESSION_BYTES;
  for (const value of numbers) {
    view.setUint32(offset, Math.floor(value / 2 ** 32));
    view.setUint32(offset + 4, value >>> 0);
    offset += 8;
  }
  return message;
}

const isSignature = (sig: unknown): sig is Uint8Array => sig instanceof Uint8Array && sig.length === SIGNATURE_BYTES;

/** Whether `head` is the stream key's head of `session`, as `verifyHead` says; anything malformed is `false`. */
export async function verifyHeadWebCrypto(verifier: WebCryptoVerifier, session: Uint8Array, head: SignedHead): Promise<boolean> {
  if (!isSession(session) || !isUint(head.edge) || !isUint(head.ts) || !isSignature(head.sig)) return false;
  const message = signedBytes(HEAD_SIGNATURE_DOMAIN, verifier.publicKey, session, [head.edge, head.ts]);
  return verifier.verify(head.sig, message);
}

/** Whether `end` is the stream key's end of `session`, as `verifyEnd` says; anything malformed is `false`. */
export async function verifyEndWebCrypto(verifier: WebCryptoVerifier, session: Uint8Array, end: SignedEnd): Promise<boolean> {
  if (!isSession(session) || !isUint(end.edge) || !isSignature(end.sig)) return false;
  const message = signedBytes(END_SIGNATURE_DOMAIN, verifier.publicKey, session, [end.edge]);
  return verifier.verify(end.sig, message);
}
