import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { PeerClient, type ClientTracker } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { once, startPublisher, startServer, TestCentral } from './helpers.js';

afterEach(async () => {
  await stopAllPrograms();
});

/** A TCP server on loopback that accepts and never says a word: a central (or peer) that hangs. */
async function silentServer(): Promise<{ server: Server; address: string; accepted: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { server, address: `127.0.0.1:${port}`, accepted: () => sockets.length };
}

/**
 * A tracker whose look-up never answers and ignores the signal: the real tracker always
 * answers, and its client honours the signal, so this is what such a misbehaving one looks like.
 */
function hangingTracker(): ClientTracker {
  return {
    lookup: () => new Promise(() => undefined),
    announce: async () => ({ interval: 15_000, ttl: 25_000 }),
    update: () => undefined,
    leave: async () => undefined,
  } as unknown as ClientTracker;
}

describe('start({ signal })', () => {
  it('rejects with ABORTED when the signal aborts during the look-up, even if the tracker ignores the signal', async () => {
    const client = new PeerClient({ name: 'film', tracker: hangingTracker() });
    const controller = new AbortController();
    const started = client.start({ signal: controller.signal });
    controller.abort(new Error('the user went away'));
    const error = await started.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORTED', cause: new Error('the user went away') });
    // Aborting closes the client: it cannot be started again.
    await expect(client.start()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('rejects at once with a signal that already aborted, having looked nothing up', async () => {
    const central = await TestCentral.start();
    await startPublisher(central, 'film', { count: 3, live: false });
    const client = new PeerClient({ name: 'film', tracker: central.client() });
    await expect(client.start({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(central.lookups).toBe(0);
  });

  it('leaves nothing open after aborting a look-up at a central that does not answer: the process exits by itself', { timeout: 60_000 }, async () => {
    const central = await silentServer();
    const run = await startProgram('packages/peer-client/test/programs/abort-during-look-up.ts', [central.address, '300']);
    // Far longer than the client needs; central's connect timeout (10 minutes) is longer still.
    const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 45 s'), 45_000).unref());
    expect(await Promise.race([run.exited, bound])).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toBe('rejected AbortError ABORTED\n');
    expect(central.accepted()).toBe(1);
  });
});

/** Whether something accepts connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('close() and ownership', () => {
  it('closes the peer server it started for `listen`, which re-shared the stream until then', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 10, live: false });
    const client = new PeerClient({ name: 'film', tracker: central.client(), listen: { host: '127.0.0.1', port: 0 } });
    onCleanup(() => client.close());
    const announced = once(client, 'announced');
    const ended = once(client, 'end');
    await client.start();
    await Promise.all([announced, ended]);
    const own = (await central.ports('film')).find((port) => port !== publisher.server.port)!;
    expect(await accepts(own)).toBe(true);
    await client.close();
    expect(await accepts(own)).toBe(false);
  });

  it('leaves a server passed in open, and closes at the end of an `await using` block', async () => {
    const central = await TestCentral.start();
    await startPublisher(central, 'film', { count: 10, live: false });
    const server = await startServer();
    let kept: PeerClient;
    {
      await using client = new PeerClient({ name: 'film', tracker: central.client(), server });
      kept = client;
      const ended = once(client, 'end');
      await client.start();
      await ended;
    }
    await expect(kept.start()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(await accepts(server.port)).toBe(true);
  });

  it('refuses options that leave central unclear or name two servers', async () => {
    const tracker = (await TestCentral.start()).client();
    expect(() => new PeerClient({ name: 'film' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new PeerClient({ name: 'film', tracker, central: '127.0.0.1:2045' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new PeerClient({ name: 'film', tracker, server: { port: 1, serve: () => undefined, unserve: () => undefined }, listen: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
