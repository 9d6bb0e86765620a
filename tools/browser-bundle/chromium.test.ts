/// <reference lib="dom" />
// (The functions given to page.evaluate run in the page, where window and the bundle's exports are.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStreamKey, newSession, signChunk } from '@p2pstream/data';
import { buildBrowserBundle } from './build.js';
import { launchChromium } from './chromium.js';

const PAGE = '<!doctype html><meta charset="utf-8"><script type="module">import * as p2p from "/bundle.js"; window.p2p = p2p;</script>';

type Bundle = typeof import('../../packages/peer-client/src/browser.js');
declare global {
  interface Window {
    p2p: Bundle;
  }
}

let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const { code } = await buildBrowserBundle();
  server = createServer((request, response) => {
    if (request.url === '/bundle.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => window.p2p !== undefined, undefined, { timeout: 20_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

// Chunks cross into the page as plain arrays; the page makes them Uint8Arrays again.
const key = generateStreamKey();
const session = newSession();
const signed = signChunk(key, session, { seq: 41, ts: 1_700_000_000_000, data: new Uint8Array(40_000).map((_, i) => (i * 7) % 251) });
const chunkForPage = { seq: signed.seq, ts: signed.ts, data: [...signed.data], sig: [...signed.sig] };

describe('the browser bundle in Chromium', () => {
  it('verifies a chunk that Node signed, and refuses it with one bit of its signature changed', async () => {
    const verdicts = await page.evaluate(
      async ({ streamId, session, chunk }) => {
        const verifier = await window.p2p.webCryptoVerifierFor(streamId);
        const good = { ...chunk, data: Uint8Array.from(chunk.data), sig: Uint8Array.from(chunk.sig) };
        const badSig = Uint8Array.from(chunk.sig);
        badSig[10]! ^= 1;
        return {
          good: await window.p2p.verifyChunkWebCrypto(verifier, Uint8Array.from(session), good),
          badSignature: await window.p2p.verifyChunkWebCrypto(verifier, Uint8Array.from(session), { ...good, sig: badSig }),
        };
      },
      { streamId: key.streamId, session: [...session], chunk: chunkForPage },
    );
    expect(verdicts).toEqual({ good: true, badSignature: false });
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('runs a Connection over a data channel between two RTCPeerConnections in the page, and the chunk it carries verifies', async () => {
    const result = await page.evaluate(
      async ({ streamId, session, chunk }) => {
        const { createSignalingPair, openDataChannel, dataChannelTransport, ConnectionServer, connect } = window.p2p;
        const held = { seq: chunk.seq, ts: chunk.ts, data: Uint8Array.from(chunk.data), sig: Uint8Array.from(chunk.sig) };
        // A seed that holds one chunk and answers `list` and `request` for it.
        const seed = new ConnectionServer({
          role: 'peer',
          handlers: {
            list: (request, connection) => connection.reply(request, { t: 'streams', streams: [] }),
            request: (request, connection) =>
              request.seq === held.seq
                ? connection.reply(request, { t: 'chunk', ...held })
                : connection.reply(request, { t: 'reject', seq: request.seq, reason: 'NOT_HELD' }),
          },
        });
        const [viewerSignaling, seedSignaling] = createSignalingPair();
        const [viewerEnd, seedEnd] = await Promise.all([
          openDataChannel({ signaling: viewerSignaling, initiator: true, timeout: 10_000 }),
          openDataChannel({ signaling: seedSignaling, initiator: false, timeout: 10_000 }),
        ]);
        seed.accept(dataChannelTransport(seedEnd.channel, { peerConnection: seedEnd.peerConnection, remoteAddress: seedEnd.remote?.address }));
        const connection = await connect(dataChannelTransport(viewerEnd.channel, { peerConnection: viewerEnd.peerConnection }), { role: 'peer' });
        const list = await connection.request({ t: 'list' }, { timeout: 5_000 });
        const reply = await connection.request({ t: 'request', seq: held.seq }, { timeout: 5_000 });
        const missing = await connection.request({ t: 'request', seq: held.seq + 1 }, { timeout: 5_000 });
        const verifier = await window.p2p.webCryptoVerifierFor(streamId);
        const verified = reply.t === 'chunk' && (await window.p2p.verifyChunkWebCrypto(verifier, Uint8Array.from(session), reply));
        const closed = await connection.close();
        await seed.close();
        return {
          list: list.t,
          reply: reply.t,
          bytes: reply.t === 'chunk' ? reply.data.length : 0,
          verified,
          missing: missing.t,
          seedSawAddress: typeof seedEnd.remote?.address === 'string',
          closed: closed.code,
        };
      },
      { streamId: key.streamId, session: [...session], chunk: chunkForPage },
    );
    expect(result).toEqual({ list: 'streams', reply: 'chunk', bytes: 40_000, verified: true, missing: 'reject', seedSawAddress: true, closed: expect.any(String) });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
