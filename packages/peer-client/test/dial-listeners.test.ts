import { getEventListeners } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateStreamKey, signPublish } from '@p2pstream/data';
import { PeerClient } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { TestCentral, waitUntil } from './helpers.js';
import { SESSION } from './helpers.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => void warnings.push(warning);
beforeEach(() => {
  warnings.length = 0;
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** `count` peers on loopback that accept a connection and never answer it: every dial to them times out. */
async function silentPeers(count: number): Promise<{ peers: Array<{ host: string; port: number }>; accepted: () => number }> {
  let accepted = 0;
  const sockets: Socket[] = [];
  const peers = [];
  for (let i = 0; i < count; i++) {
    const server = createServer((socket) => {
      accepted += 1;
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    peers.push({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  }
  onCleanup(() => sockets.forEach((socket) => socket.destroy()));
  return { peers, accepted: () => accepted };
}

describe('dialing peers that fail', () => {
  it('adds no abort listener beyond Node’s limit however many dials are pending and fail, round after round', async () => {
    const key = generateStreamKey();
    const { peers, accepted } = await silentPeers(15);
    const central = await TestCentral.start();
    await central.client().publish({ name: 'cam1', publicKey: key.publicKey, live: true, session: SESSION, sign: (ts) => signPublish(key, 'cam1', ts, SESSION) });
    for (const peer of peers) await central.carry(key.streamId, peer.port);
    const signal = new AbortController().signal;
    // 15 dials pending at once (more than the 10 listeners Node warns at), each failing after 200 ms, then again.
    const client = new PeerClient({ name: 'cam1', tracker: central.client(), maxPeers: 20, dialTimeoutMs: 200, redialBackoffMs: 1, relookupMs: 50 });
    onCleanup(() => client.close());
    await client.start({ signal });
    await waitUntil(() => accepted() >= 4 * peers.length, 30_000);
    // The warning is emitted on a later tick than the listener that passed the limit.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    // The caller's signal carries one listener (the client closes when it aborts), whatever the dials did.
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await client.close();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(client.stats().peers).toBe(0);
  });
});
