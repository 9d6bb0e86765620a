import { SESSION_BYTES } from './constants.js';

/**
 * A session is the random epoch a publisher picks each time it publishes. It is
 * signed with the publish, bound into every chunk, head and end signature, and
 * handed to viewers by central's look-up and by every peer's `map`, so chunks
 * (and heads and ends) of an earlier publish of the same name and key do not
 * verify in this one, although their seqs start at 0 again. WebCrypto's random source
 * (Node's and a browser's), so a page can hold sessions without node:crypto.
 */
export function newSession(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(SESSION_BYTES));
}

/** Whether `value` has the shape of a session (it may come from the network). */
export function isSession(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === SESSION_BYTES;
}

/** Whether two sessions are the same publish. */
export function sameSession(a: Uint8Array, b: Uint8Array): boolean {
  return isSession(a) && isSession(b) && a.every((byte, i) => byte === b[i]);
}

/** A session as 16 hex digits, for logs and messages. */
export function sessionHex(session: Uint8Array): string {
  return Array.from(session, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
