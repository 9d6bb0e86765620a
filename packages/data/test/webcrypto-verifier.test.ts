import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyChunkWebCrypto, verifyEndWebCrypto, verifyHeadWebCrypto, webCryptoVerifierFor, type Chunk } from '../src/browser.js';
import { generateStreamKey, newSession, signChunk, signEnd, signHead } from '../src/index.js';
import { pseudoRandomBytes } from './helpers.js';

// Node 20 has Ed25519 in globalThis.crypto.subtle, so a page's verification runs here against
// chunks that node:crypto signed: through WebCrypto, and through JavaScript where a page has no
// crypto.subtle (plain http from another machine is not a secure context) or no Ed25519 in it.
const key = generateStreamKey();
const SESSION = newSession();
const chunk = signChunk(key, SESSION, { seq: 2 ** 40 + 7, ts: 1_700_000_000_123, data: pseudoRandomBytes(64 * 1024, 3) });

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

const realSubtle = globalThis.crypto.subtle;
const getRandomValues = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
const pages = [
  { page: 'a page with Ed25519 in crypto.subtle', implementation: 'webcrypto', crypto: undefined },
  { page: 'a page without crypto.subtle (plain http from another machine)', implementation: 'javascript', crypto: { getRandomValues } },
  {
    page: 'a page whose crypto.subtle has no Ed25519',
    implementation: 'javascript',
    crypto: {
      getRandomValues,
      subtle: {
        digest: realSubtle.digest.bind(realSubtle),
        importKey: () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError')),
      },
    },
  },
] as const;

describe.each(pages)('in $page', ({ implementation, crypto }) => {
  beforeEach(() => {
    if (crypto) vi.stubGlobal('crypto', crypto);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  describe('verifyChunkWebCrypto', () => {
    it(`checks with ${implementation}`, async () => {
      expect((await webCryptoVerifierFor(key.streamId)).implementation).toBe(implementation);
    });

    it('accepts a chunk signed with node:crypto', async () => {
      const verifier = await webCryptoVerifierFor(key.streamId);
      expect(Buffer.from(verifier.publicKey).equals(key.publicKey)).toBe(true);
      expect(await verifyChunkWebCrypto(verifier, SESSION, chunk)).toBe(true);
    });

    it('refuses a bad signature, changed data, another seq, ts, session or key', async () => {
      const verifier = await webCryptoVerifierFor(key.streamId);
      const refused: Chunk[] = [
        { ...chunk, sig: flipBit(chunk.sig, 5) },
        { ...chunk, data: flipBit(chunk.data, 1000) },
        { ...chunk, seq: chunk.seq + 1 },
        { ...chunk, ts: chunk.ts + 1 },
      ];
      for (const bad of refused) expect(await verifyChunkWebCrypto(verifier, SESSION, bad)).toBe(false);
      expect(await verifyChunkWebCrypto(verifier, newSession(), chunk)).toBe(false);
      expect(await verifyChunkWebCrypto(await webCryptoVerifierFor(generateStreamKey().streamId), SESSION, chunk)).toBe(false);
    });

    it('answers false, not a throw, for malformed chunks from the network', async () => {
      const verifier = await webCryptoVerifierFor(key.streamId);
      const malformed = [
        { ...chunk, sig: chunk.sig.subarray(1) },
        { ...chunk, seq: -1 },
        { ...chunk, ts: 1.5 },
        { ...chunk, data: 'bytes' as unknown as Uint8Array },
      ];
      for (const bad of malformed) expect(await verifyChunkWebCrypto(verifier, SESSION, bad)).toBe(false);
      expect(await verifyChunkWebCrypto(verifier, SESSION.subarray(1), chunk)).toBe(false);
    });

    it('refuses a stream id that is not one with INVALID_STREAM_ID', async () => {
      await expect(webCryptoVerifierFor(key.streamId.toUpperCase())).rejects.toMatchObject({ code: 'INVALID_STREAM_ID' });
      await expect(webCryptoVerifierFor('ab')).rejects.toMatchObject({ code: 'INVALID_STREAM_ID' });
    });
  });

  describe('verifyHeadWebCrypto and verifyEndWebCrypto', () => {
    it('accept a head and an end that node:crypto signed, and refuse them changed or of another session', async () => {
      const verifier = await webCryptoVerifierFor(key.streamId);
      const head = signHead(key, SESSION, 2 ** 33 + 5, 1_700_000_000_456);
      const end = signEnd(key, SESSION, 2 ** 33 + 6);
      expect(await verifyHeadWebCrypto(verifier, SESSION, head)).toBe(true);
      expect(await verifyEndWebCrypto(verifier, SESSION, end)).toBe(true);
      expect(await verifyHeadWebCrypto(verifier, SESSION, { ...head, edge: head.edge + 1 })).toBe(false);
      expect(await verifyHeadWebCrypto(verifier, SESSION, { ...head, ts: head.ts - 1 })).toBe(false);
      expect(await verifyHeadWebCrypto(verifier, SESSION, { ...head, sig: flipBit(head.sig, 9) })).toBe(false);
      expect(await verifyEndWebCrypto(verifier, SESSION, { ...end, edge: end.edge - 1 })).toBe(false);
      expect(await verifyEndWebCrypto(verifier, newSession(), end)).toBe(false);
      // A head's signature is no end's, though both sign the same edge.
      expect(await verifyEndWebCrypto(verifier, SESSION, { edge: head.edge, sig: head.sig })).toBe(false);
      expect(await verifyHeadWebCrypto(verifier, SESSION, { edge: -1, ts: 0, sig: head.sig })).toBe(false);
    });
  });
});

describe('webCryptoVerifierFor', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('refuses with INVALID_PUBLIC_KEY a stream id that is no Ed25519 public key, where it checks in JavaScript', async () => {
    vi.stubGlobal('crypto', { getRandomValues });
    // 2^255 - 1 as y: not below the field's prime, so no point's encoding.
    await expect(webCryptoVerifierFor('ff'.repeat(32))).rejects.toMatchObject({ code: 'INVALID_PUBLIC_KEY' });
  });
});
