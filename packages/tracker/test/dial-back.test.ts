import { createServer, type Server } from 'node:net';
import { dial, type Connection } from '@p2pstream/connection';
import { generateStreamKey, newSession, signHead, signPublish } from '@p2pstream/data';
import { describe, expect, it } from 'vitest';
import { DialBack, type ReachabilityProbe } from '../src/dial-back.js';
import { MemoryRegistry } from '../src/memory-registry.js';
import { Tracker, TrackerSession } from '../src/tracker.js';
import { ManualClock } from '@p2pstream/units';
import { loopbackTrackers } from './loopback-trackers.js';

const SESSION = newSession();
const trackers = loopbackTrackers();

/** A TCP listener on `host` (a free port), closed after the test: a peer that can be dialed. */
async function listening(host: string): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  trackers.opened.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  return (server.address() as { port: number }).port;
}

/** A port that was free on `host` a moment ago: nobody listens there. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `check` every 20 ms until it holds, for at most 5 s. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met within 5 s');
}

describe('dial-backs on loopback', () => {
  it('marks the peer that listens reachable and the one announcing a port nobody listens on unreachable, and lists the reachable first', async () => {
    const running = await trackers.start({ dialBack: { timeout: 2_000 } });
    const key = generateStreamKey();
    const connect = async (localAddress: string): Promise<Connection> => {
      const connection = await dial('127.0.0.1', running.port, { role: 'peer', localAddress });
      trackers.opened.push(connection);
      return connection;
    };
    const publisher = await connect('127.0.0.2');
    const ts = Date.now();
    await publisher.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
    const head = signHead(key, SESSION, 4, Date.now());
    await publisher.request({ t: 'announce', stream: key.streamId, port: await listening('127.0.0.2'), edge: 4, live: true, ts: head.ts, sig: head.sig });

    const listens = await listening('127.0.0.3');
    const silent = await freePort('127.0.0.4');
    await (await connect('127.0.0.4')).request({ t: 'announce', stream: key.streamId, port: silent, edge: 4, live: true });
    await (await connect('127.0.0.3')).request({ t: 'announce', stream: key.streamId, port: listens, edge: 4, live: true });

    const asker = await connect('127.0.0.5');
    const lookup = () => asker.request({ t: 'lookup', name: 'cam1', count: 10, reachability: true });
    const found = await eventually(lookup, (reply) => reply.peers.every((peer) => peer.reachable !== undefined));
    expect(found.peers.map(({ host, port, reachable }) => ({ host, port, reachable }))).toEqual([
      { host: '127.0.0.2', port: expect.any(Number), reachable: true },
      { host: '127.0.0.3', port: listens, reachable: true },
      { host: '127.0.0.4', port: silent, reachable: false },
    ]);
    expect(running.tracker.dialBack?.counters).toEqual({ reachable: 2, unreachable: 1, busy: 0 });
    // An asker that did not ask for reachability (an older peer) gets no key it would refuse.
    const plain = await asker.request({ t: 'lookup', name: 'cam1', count: 10 });
    expect(plain.peers.every((peer) => !('reachable' in peer))).toBe(true);
  });

  it('does not dial back an entry that listens on no port (a watch page, signalsOnly), leaves its reachability unknown, and tells it the host it is listed under', async () => {
    const running = await trackers.start({ dialBack: { timeout: 2_000 } });
    const key = generateStreamKey();
    const publisher = await dial('127.0.0.1', running.port, { role: 'peer', localAddress: '127.0.0.2' });
    trackers.opened.push(publisher);
    const ts = Date.now();
    await publisher.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
    const announced = await publisher.request({ t: 'announce', stream: key.streamId, port: await listening('127.0.0.2'), edge: 0, live: true, signals: true });
    // Only a page is told its host: a peer of an older build would refuse the key.
    expect(announced).not.toHaveProperty('host');
    // A page announces a made-up port only to be known to central's signal relay: nothing listens there.
    const page = await dial('127.0.0.1', running.port, { role: 'peer', localAddress: '127.0.0.3' });
    trackers.opened.push(page);
    const madeUp = await freePort('127.0.0.3');
    const pageAnnounced = await page.request({ t: 'announce', stream: key.streamId, port: madeUp, edge: 0, live: true, signals: true, signalsOnly: true });
    // The host its entry is listed under (below), which the page has no other way to learn.
    expect(pageAnnounced.host).toBe('127.0.0.3');

    const asker = await dial('127.0.0.1', running.port, { role: 'peer', localAddress: '127.0.0.4' });
    trackers.opened.push(asker);
    const lookup = () => asker.request({ t: 'lookup', name: 'cam1', count: 10, reachability: true });
    // Every dial-back the announces started has ended once the publisher is known reachable and none is in flight.
    const found = await eventually(lookup, (reply) => reply.peers.some((peer) => peer.reachable !== undefined) && running.tracker.dialBack?.inFlight === 0);
    expect(found.peers.map(({ host, port, reachable }) => ({ host, port, reachable }))).toEqual([
      { host: '127.0.0.2', port: expect.any(Number), reachable: true },
      { host: '127.0.0.3', port: madeUp, reachable: undefined },
    ]);
    // The page was never dialed: neither counted unreachable nor reachable.
    expect(running.tracker.dialBack?.counters).toEqual({ reachable: 1, unreachable: 0, busy: 0 });
  });

  it('dials back nobody with a timeout of 0', async () => {
    const running = await trackers.start({ dialBack: { timeout: 0 } });
    const key = generateStreamKey();
    const publisher = await dial('127.0.0.1', running.port, { role: 'peer', localAddress: '127.0.0.2' });
    trackers.opened.push(publisher);
    const ts = Date.now();
    await publisher.request({ t: 'publish', name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
    await publisher.request({ t: 'announce', stream: key.streamId, port: await listening('127.0.0.2'), edge: 0, live: true });
    const reply = await publisher.request({ t: 'lookup', name: 'cam1', count: 10, reachability: true });
    expect(reply.peers).toEqual([]);
    expect(running.tracker.dialBack?.counters).toEqual({ reachable: 0, unreachable: 0, busy: 0 });
  });
});

describe('DialBack', () => {
  /** A probe whose answers the test gives, recording each host:port asked. */
  function heldProbe(): { probe: ReachabilityProbe; asked: string[]; answer(reachable: boolean): void } {
    const waiting: Array<(reachable: boolean) => void> = [];
    const asked: string[] = [];
    return {
      asked,
      probe: (host, port) => {
        asked.push(`${host}:${port}`);
        return new Promise((resolve) => waiting.push(resolve));
      },
      answer: (reachable) => waiting.shift()!(reachable),
    };
  }

  it('tries no more than maxConcurrent at once and counts the announces it left untried', async () => {
    const held = heldProbe();
    const dialBack = new DialBack({ maxConcurrent: 2, probe: held.probe });
    const first = dialBack.dial('10.0.0.1', 1);
    const second = dialBack.dial('10.0.0.2', 1);
    expect(await dialBack.dial('10.0.0.3', 1)).toBeUndefined();
    expect(dialBack.inFlight).toBe(2);
    held.answer(true);
    held.answer(false);
    expect([await first, await second]).toEqual([true, false]);
    expect(dialBack.counters).toEqual({ reachable: 1, unreachable: 1, busy: 1 });
    expect(held.asked).toEqual(['10.0.0.1:1', '10.0.0.2:1']);
  });

  it('refuses limits that cannot work', () => {
    expect(() => new DialBack({ timeout: -1 })).toThrow(RangeError);
    expect(() => new DialBack({ maxConcurrent: 0 })).toThrow(RangeError);
  });

  it('dials a connection back once per port, again for a new port, and carries the verdict in its later announces', async () => {
    const held = heldProbe();
    const registry = new MemoryRegistry();
    const clock = new ManualClock(1_700_000_000_000);
    const tracker = new Tracker({ registry, clock, dialBack: new DialBack({ probe: held.probe }) });
    const key = generateStreamKey();
    const publisher = new TrackerSession('10.0.0.2');
    const ts = clock.now();
    await tracker.publish(publisher, { t: 'publish', id: 1, name: 'cam1', key: key.publicKey, ts, live: true, session: SESSION, sig: signPublish(key, 'cam1', ts, SESSION) });
    const viewer = new TrackerSession('10.0.0.3');
    const announce = (port: number) => tracker.announce(viewer, { t: 'announce', id: 2, stream: key.streamId, port, edge: 0, live: true });
    await announce(2050);
    await announce(2050);
    expect(held.asked).toEqual(['10.0.0.3:2050']);
    held.answer(false);
    const reachableOf = async () => (await registry.lookup('cam1', clock.now(), 10))!.candidates.find((c) => c.host === '10.0.0.3')?.reachable;
    await eventually(reachableOf, (reachable) => reachable === false);
    await announce(2050);
    expect(await reachableOf()).toBe(false);
    await announce(2051);
    expect(held.asked).toEqual(['10.0.0.3:2050', '10.0.0.3:2051']);
    expect(await reachableOf()).toBeUndefined();
  });
});
