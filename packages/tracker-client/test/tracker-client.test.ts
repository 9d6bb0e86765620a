import { spawnSync } from 'node:child_process';
import { generateStreamKey, newSession, signEnd, signHead, signPublish } from '@p2pstream/data';
import { memoryRegistry, redisRegistry, type Registry, type RunningTracker, type StartTrackerOptions } from '@p2pstream/tracker';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CentralRefusedError,
  CentralUnreachableError,
  NameTakenError,
  parseCentralAddress,
  RegistryUnavailableError,
  rendezvousOrder,
  StreamNotFoundError,
  TrackerClient,
  type Publication,
  type TrackerClientOptions,
} from '../src/index.js';
import { freePort, startRedisServer, type RedisServer } from '../../../tools/testing/index.js';
import { addressOf, eventually, startCentral } from './central.js';
import { ManualClock } from '@p2pstream/units';

const SESSION = newSession();

const key = generateStreamKey();
const STREAM = key.streamId;
const signed: number[] = [];
const publication: Publication = {
  name: 'cam1',
  publicKey: key.publicKey,
  live: true,
  session: SESSION,
  sign: (ts) => {
    signed.push(ts);
    return signPublish(key, 'cam1', ts, SESSION);
  },
};

// Closed newest first: clients before the centrals they talk to, centrals before their Redis.
const toClose: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (toClose.length > 0) await toClose.pop()!();
  signed.length = 0;
});

async function central(options: StartTrackerOptions = {}): Promise<RunningTracker> {
  const running = await startCentral(options);
  toClose.push(() => running.close());
  return running;
}
function client(options: TrackerClientOptions): TrackerClient {
  const made = new TrackerClient({ requestTimeout: 2_000, connectTimeout: 2_000, ...options });
  toClose.push(() => made.close());
  return made;
}
async function redis(): Promise<RedisServer> {
  const server = await startRedisServer();
  toClose.push(() => server.stop());
  return server;
}

/** Publishes `film` and lists one carrier of it, straight into the registry of `running`. */
async function withFilm(running: RunningTracker): Promise<void> {
  const now = Date.now();
  await running.registry.publish({ name: 'film', stream: 'f'.repeat(64), live: false, ts: now, session: '0123456789abcdef' });
  await running.registry.announce({ stream: 'f'.repeat(64), host: '127.0.0.9', port: 2050, edge: 7, announcedAt: now, expiresAt: now + 60_000, visibleUntil: now + 60_000 });
}

/** The entries the registry of `running` holds for `name` now. */
async function entries(running: RunningTracker, name = 'cam1') {
  return ((await running.registry.lookup(name, Date.now(), 50))?.candidates ?? []).map(({ host, port, edge }) => ({ host, port, edge }));
}

/**
 * A viewer listed for STREAM at a central that then restarts empty, before the
 * publisher is back: the viewer reconnects and its announce is refused
 * STREAM_NOT_FOUND once. random 0.5: backoff pauses unspread (250, 500, 1000 ms …),
 * loop retries at 75 % of the interval (10 s).
 */
async function viewerBackBeforeItsPublisher(): Promise<{ restarted: RunningTracker; clock: ManualClock }> {
  const first = await central({ interval: 10_000, intervalJitter: 0 });
  const publisher = client({ centrals: [addressOf(first)] });
  await publisher.publish(publication);
  const clock = new ManualClock();
  const viewer = client({ centrals: [addressOf(first)], clock, random: () => 0.5 });
  await viewer.announce({ stream: STREAM, port: 2050 });
  await publisher.close();
  const lost = new Promise((resolve) => viewer.once('disconnected', resolve));
  await first.close();
  await lost;
  const restarted = await central({ port: first.port, interval: 10_000, intervalJitter: 0 });
  clock.advance(250);
  await eventually(() => restarted.tracker.counters.refused.STREAM_NOT_FOUND === 1 && clock.pendingTimers === 1);
  return { restarted, clock };
}

describe('parseCentralAddress', () => {
  it('reads host:port, [v6]:port and a bare host on port 2045', () => {
    expect(parseCentralAddress('127.0.0.1:2046')).toEqual({ host: '127.0.0.1', port: 2046, label: '127.0.0.1:2046' });
    expect(parseCentralAddress('[::1]:2046')).toEqual({ host: '::1', port: 2046, label: '[::1]:2046' });
    expect(parseCentralAddress('central.example')).toMatchObject({ host: 'central.example', port: 2045 });
  });

  it('refuses what is not an address with INVALID_ARGUMENT', () => {
    for (const bad of ['', ':2045', 'host:0', 'host:65536', 'a:b:c']) {
      expect(() => parseCentralAddress(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => new TrackerClient({ centrals: [] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('rendezvousOrder', () => {
  const centrals = ['10.0.0.1:2045', '10.0.0.2:2045', '10.0.0.3:2045'].map(parseCentralAddress);
  const preferred = (list: typeof centrals, affinity: string) => rendezvousOrder(list, affinity)[0]!.label;

  it('spreads clients evenly over the centrals, each always preferring the same one', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) counts.set(preferred(centrals, `peer-${i}`), (counts.get(preferred(centrals, `peer-${i}`)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(centrals.map((c) => c.label));
    for (const count of counts.values()) expect(count).toBeGreaterThan(900);
    expect(preferred(centrals, 'peer-7')).toBe(preferred([...centrals].reverse(), 'peer-7'));
  });

  it('moves only the clients of a central that is taken out of the list', () => {
    const without = centrals.slice(1);
    for (let i = 0; i < 300; i++) {
      const before = preferred(centrals, `peer-${i}`);
      if (before !== centrals[0]!.label) expect(preferred(without, `peer-${i}`)).toBe(before);
    }
  });
});

describe('TrackerClient', () => {
  it('says which centrals it tried and why when none answers, and leaves how to start one to the app', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const tracker = client({ centrals: [`127.0.0.1:${a}`, `127.0.0.1:${b}`] });
    const error = await tracker.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CentralUnreachableError);
    expect((error as CentralUnreachableError).code).toBe('CENTRAL_UNREACHABLE');
    expect((error as Error).message).toContain(`127.0.0.1:${a}`);
    expect((error as Error).message).toContain(`127.0.0.1:${b}`);
    expect((error as Error).message).not.toContain('central:serve');
  });

  it('retries a request central answers REGISTRY_UNAVAILABLE only after a backoff pause on its clock, then says the registry is down', async () => {
    const server = await redis();
    const running = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }) });
    await server.stop();
    const clock = new ManualClock();
    const tracker = client({ centrals: [addressOf(running)], clock, minBackoff: 100, maxBackoff: 1_000, registryRetryTimeout: 2_000 });
    const connected: string[] = [];
    tracker.on('connected', (at) => connected.push(at));
    const outcome = tracker.lookup('cam1').catch((error: unknown) => error);
    await eventually(() => running.tracker.counters.lookup === 1 && clock.pendingTimers === 1);
    // Nothing is sent again until the pause has passed on the client's clock.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running.tracker.counters.lookup).toBe(1);
    clock.advance(150);
    await eventually(() => running.tracker.counters.lookup === 2 && clock.pendingTimers === 1);
    clock.advance(2_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    expect((error as Error).message).toContain(`central at ${addressOf(running)} is running but cannot reach its registry`);
    expect(running.tracker.counters.refused).toEqual({ REGISTRY_UNAVAILABLE: 3 });
    // The central itself was fine: one connection, kept all along.
    expect(connected).toEqual([addressOf(running)]);
    expect(running.connections).toBe(1);
  });

  it('stays on its central while every central answers that the shared registry is down, instead of hopping between them', async () => {
    const server = await redis();
    const [one, two] = [
      await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }) }),
      await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }) }),
    ];
    await server.stop();
    const tracker = client({ centrals: [addressOf(one), addressOf(two)], centralOrder: 'listed', registryRetryTimeout: 0 });
    let connects = 0;
    tracker.on('connected', () => (connects += 1));
    await expect(tracker.lookup('cam1')).rejects.toBeInstanceOf(RegistryUnavailableError);
    expect([one.tracker.counters.lookup, two.tracker.counters.lookup, connects]).toEqual([1, 1, 2]);
    await expect(tracker.lookup('cam1')).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(tracker.lookup('cam1')).rejects.toBeInstanceOf(RegistryUnavailableError);
    expect([one.tracker.counters.lookup, two.tracker.counters.lookup, connects]).toEqual([1, 3, 2]);
  });

  it('retries a failed re-announce after 60–90 % of the interval, a little more often than it announces when all is well', async () => {
    const server = await redis();
    const running = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }), interval: 10_000, intervalJitter: 0 });
    const clock = new ManualClock();
    // random 0.5: the loop re-announces at 95 % of the interval, and retries at 75 %.
    const tracker = client({ centrals: [addressOf(running)], clock, random: () => 0.5 });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    await server.stop();
    clock.advance(9_500);
    await eventually(() => running.tracker.counters.refused.REGISTRY_UNAVAILABLE === 1 && clock.pendingTimers === 1);
    clock.advance(7_400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running.tracker.counters.refused.REGISTRY_UNAVAILABLE).toBe(1);
    clock.advance(200);
    await eventually(() => running.tracker.counters.refused.REGISTRY_UNAVAILABLE === 2);
  });

  it('asks again soon, on the backoff, when a restarted central does not know the stream yet, and is listed moments after its publisher publishes', async () => {
    const { restarted, clock } = await viewerBackBeforeItsPublisher();
    const refusals = () => restarted.tracker.counters.refused.STREAM_NOT_FOUND;
    for (const [pause, refused] of [[250, 2], [500, 3]] as const) {
      clock.advance(pause);
      await eventually(() => refusals() === refused && clock.pendingTimers === 1);
    }
    // The publisher is back (as after a central restart): the viewer's next retry, 1 s on, lists it.
    const publisher = client({ centrals: [addressOf(restarted)] });
    await publisher.publish(publication);
    clock.advance(1_000);
    await eventually(async () => (await entries(restarted)).length === 1);
    expect(refusals()).toBe(3);
  });

  it('falls back to the loop’s pace after a few quick retries for a stream nobody publishes again', async () => {
    const { restarted, clock } = await viewerBackBeforeItsPublisher();
    const refusals = () => restarted.tracker.counters.refused.STREAM_NOT_FOUND;
    // Eight retries on the backoff, capped at a quarter of the interval: 13.75 s in all.
    for (const [index, pause] of [250, 500, 1_000, 2_000, 2_500, 2_500, 2_500, 2_500].entries()) {
      clock.advance(pause);
      await eventually(() => refusals() === index + 2 && clock.pendingTimers === 1);
    }
    // Then 75 % of the interval, as for any failed re-announce.
    clock.advance(7_400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(refusals()).toBe(9);
    clock.advance(100);
    await eventually(() => refusals() === 10);
  });

  it('rides out a Redis outage on its connection, and is listed again in one announce when Redis returns empty', async () => {
    let server = await redis();
    const shared = { interval: 10_000, intervalJitter: 0 };
    const one = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }), ...shared });
    const two = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }), ...shared });
    const clock = new ManualClock();
    const tracker = client({ centrals: [addressOf(one), addressOf(two)], centralOrder: 'listed', clock, random: () => 0.5 });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    const port = server.port;
    await server.stop();
    // The loop's re-announce (at 95 % of the interval) is refused; the client stays where it is.
    clock.advance(9_500);
    await eventually(() => one.tracker.counters.refused.REGISTRY_UNAVAILABLE === 1 && clock.pendingTimers === 1);
    expect(tracker.central).toBe(addressOf(one));
    expect(two.tracker.counters).toMatchObject({ publish: 0, announce: 0 });

    server = await startRedisServer({ port });
    toClose.push(() => server.stop());
    // Central's Redis client reconnects on its own time; then the retry (at 75 %) comes,
    // and central publishes the stream again from this connection's publish.
    await eventually(async () => (await entries(one).then(() => true, () => false)));
    clock.advance(7_500);
    await eventually(async () => (await entries(one)).length === 1);
    expect(one.tracker.counters).toMatchObject({ publish: 1, announce: 3, restored: 1 });
    expect(two.tracker.counters).toMatchObject({ publish: 0, announce: 0 });
  });

  it('resends nothing to a central it moved to only because the registry was down', async () => {
    const server = await redis();
    const shared = { interval: 10_000, intervalJitter: 0 };
    const one = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }), ...shared });
    const two = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }), ...shared });
    const clock = new ManualClock();
    const tracker = client({ centrals: [addressOf(one), addressOf(two)], centralOrder: 'listed', clock, registryRetryTimeout: 0 });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    await server.stop();
    // A call made now asks the next central too.
    await expect(tracker.lookup('cam1')).rejects.toBeInstanceOf(RegistryUnavailableError);
    expect(tracker.central).toBe(addressOf(two));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Both share the registry: publishing and announcing everything there again would only add to the outage's load.
    expect(two.tracker.counters).toMatchObject({ publish: 0, announce: 0, lookup: 1 });
  });

  it('after reconnects publishes and announces everything again at most once per interval', async () => {
    const clock = new ManualClock();
    const first = await central({ interval: 10_000, intervalJitter: 0 });
    const port = first.port;
    const tracker = client({ centrals: [addressOf(first)], clock, minBackoff: 10 });
    let disconnects = 0;
    let connects = 0;
    tracker.on('disconnected', () => (disconnects += 1));
    tracker.on('connected', () => (connects += 1));
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });

    await first.close();
    await eventually(() => disconnects === 1);
    const second = await central({ port, interval: 10_000, intervalJitter: 0 });
    clock.advance(50);
    await eventually(async () => (await entries(second)).length === 1);
    expect(second.tracker.counters).toMatchObject({ publish: 1, announce: 1 });

    // Lost again within the interval: it reconnects, but sends nothing until its announce loop is due.
    await second.close();
    await eventually(() => disconnects === 2);
    const third = await central({ port, interval: 10_000, intervalJitter: 0 });
    clock.advance(50);
    await eventually(() => connects === 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(third.tracker.counters).toMatchObject({ publish: 0, announce: 0 });
    // The loop's own re-announce comes within the interval (publishing first: this central never heard of the stream).
    clock.advance(10_000);
    await eventually(async () => (await entries(third)).length === 1);
    expect(third.tracker.counters).toMatchObject({ publish: 1 });
  });

  it('publishes one at a time after a reconnect, so central never sees one timestamp twice (a replay, which closes the connection)', async () => {
    const clock = new ManualClock();
    const first = await central({ interval: 10_000, intervalJitter: 0 });
    const tracker = client({ centrals: [addressOf(first)], clock, random: () => 0.5 });
    let disconnects = 0;
    tracker.on('disconnected', () => (disconnects += 1));
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    await first.close();
    await eventually(() => disconnects === 1);
    const restarted = await central({ port: first.port, interval: 10_000, intervalJitter: 0 });
    // The reconnect (250 ms) and the loop's re-announce (9.5 s) fall due together: both want to publish on the new connection.
    clock.advance(9_500);
    await eventually(async () => (await entries(restarted)).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(restarted.tracker.counters.refused).toEqual({});
    expect(disconnects).toBe(1);
  });

  it('fails over to the next central when the first refuses the connection', async () => {
    const working = await central();
    await withFilm(working);
    const tracker = client({ centrals: [`127.0.0.1:${await freePort()}`, addressOf(working)] });
    expect(await tracker.list()).toEqual([{ name: 'film', stream: 'f'.repeat(64), live: false, peers: 1, edge: 7 }]);
    expect(tracker.central).toBe(addressOf(working));
  });

  it('fails over to the next central when one cannot reach its registry', async () => {
    const server = await redis();
    const broken = await central({ registry: await redisRegistry(server.url, { commandTimeout: 500 }) });
    await server.stop();
    const working = await central();
    await withFilm(working);
    const tracker = client({ centrals: [addressOf(broken), addressOf(working)], centralOrder: 'listed' });
    expect(await tracker.list()).toHaveLength(1);
    expect(broken.tracker.counters).toMatchObject({ list: 1, refused: { REGISTRY_UNAVAILABLE: 1 } });
    expect(tracker.central).toBe(addressOf(working));
  });

  it('spreads its clients over the centrals it is given', async () => {
    const [one, two] = [await central(), await central()];
    const clients = Array.from({ length: 16 }, () => client({ centrals: [addressOf(one), addressOf(two)] }));
    await Promise.all(clients.map((c) => c.list()));
    expect(one.connections + two.connections).toBe(16);
    expect(one.connections).toBeGreaterThan(0);
    expect(two.connections).toBeGreaterThan(0);
  });

  it('moves back to its preferred central when it returns, and tells it everything when its announce is due', async () => {
    const clock = new ManualClock();
    const preferredPort = await freePort();
    const standby = await central({ interval: 10_000, intervalJitter: 0 });
    const tracker = client({ centrals: [`127.0.0.1:${preferredPort}`, addressOf(standby)], centralOrder: 'listed', clock, returnInterval: 1_000 });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    expect(tracker.central).toBe(addressOf(standby));

    const preferred = await central({ port: preferredPort, interval: 10_000, intervalJitter: 0 });
    clock.advance(1_000);
    await eventually(() => tracker.central === `127.0.0.1:${preferredPort}`);
    await eventually(() => standby.connections === 0);
    // The move itself sends nothing: a preferred central usually shares the registry, and knows the stream already.
    expect(preferred.tracker.counters).toMatchObject({ publish: 0, announce: 0 });
    // This one has a registry of its own: the announce loop, on a connection its publish never went over, publishes first.
    clock.advance(9_000);
    await eventually(async () => (await entries(preferred)).length === 1);
    expect(preferred.tracker.counters).toMatchObject({ publish: 1, announce: 1, refused: {} });
  });

  it('passes central refusals through as typed errors with central’s code, and keeps the connection', async () => {
    const running = await central();
    const other = generateStreamKey();
    const tracker = client({ centrals: [addressOf(running)] });
    await tracker.publish({ name: 'cam1', publicKey: other.publicKey, live: true, session: SESSION, sign: (ts) => signPublish(other, 'cam1', ts, SESSION) });
    await expect(tracker.publish(publication)).rejects.toBeInstanceOf(NameTakenError);
    await expect(tracker.lookup('nope')).rejects.toBeInstanceOf(StreamNotFoundError);
    const refused = await tracker.publish({ ...publication, name: 'cam2', session: SESSION, sign: (ts) => signPublish(other, 'cam2', ts, SESSION), publicKey: other.publicKey }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CentralRefusedError);
    expect(refused).toMatchObject({ code: 'KEY_BOUND' });
    expect(running.tracker.counters.refused).toEqual({ NAME_TAKEN: 1, STREAM_NOT_FOUND: 1, KEY_BOUND: 1 });
    expect(running.connections).toBe(1);
  });

  it('answers lookups and lists with what central said', async () => {
    const running = await central();
    const publisher = client({ centrals: [addressOf(running)], localAddress: '127.0.0.2' });
    await publisher.publish(publication);
    await publisher.announce({ stream: STREAM, port: 2050, head: signHead(key, SESSION, 7, Date.now()) });
    const carriers = Array.from({ length: 6 }, (_, i) => client({ centrals: [addressOf(running)], localAddress: `127.0.0.${i + 3}` }));
    for (const carrier of carriers) await carrier.announce({ stream: STREAM, port: 2051, edge: 6 });

    const tracker = client({ centrals: [addressOf(running)] });
    const found = await tracker.lookup('cam1', { count: 5 });
    expect(found).toMatchObject({ name: 'cam1', stream: STREAM, live: true, edge: 7 });
    expect(found.peers).toHaveLength(5);
    expect(await tracker.lookup('cam1', { count: 50 })).toMatchObject({ peers: expect.arrayContaining([{ host: '127.0.0.2', port: 2050, edge: 7 }]) });
    expect(await tracker.list()).toEqual([{ name: 'cam1', stream: STREAM, live: true, peers: 6, edge: 7 }]);
  });

  it('publishes with the current time, signing every publish anew with a newer timestamp', async () => {
    const running = await central();
    let now = Date.now();
    const start = now;
    const tracker = client({ centrals: [addressOf(running)], now: () => now });
    // The tracker refuses a publish that is not newer than the last one (REPLAYED): each of these is accepted.
    expect(await tracker.publish(publication)).toBe(STREAM);
    expect(await tracker.publish(publication)).toBe(STREAM);
    now -= 5;
    await tracker.publish(publication);
    expect(signed).toEqual([start, start + 1, start + 2]);
    expect(running.tracker.counters).toMatchObject({ publish: 3, refused: {} });
  });

  it('re-announces at the interval central hands out, with the latest edge', async () => {
    const running = await central({ interval: 40, intervalJitter: 0, ttl: 80 });
    const tracker = client({ centrals: [addressOf(running)] });
    await tracker.publish(publication);
    const result = await tracker.announce({ stream: STREAM, port: 2050, head: signHead(key, SESSION, 1, Date.now()) });
    expect(result).toEqual({ interval: 40, ttl: 80 });
    tracker.update(STREAM, { head: signHead(key, SESSION, 9, Date.now() + 1) });
    await eventually(() => running.tracker.counters.announce >= 4);
    expect(await entries(running)).toEqual([{ host: '127.0.0.1', port: 2050, edge: 9 }]);
  });

  it('hands central the signed head and end: unsigned edges are not believed, and the end marks the stream finished', async () => {
    const running = await central();
    const tracker = client({ centrals: [addressOf(running)] });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050, edge: 50 });
    expect(await entries(running)).toEqual([{ host: '127.0.0.1', port: 2050, edge: 0 }]);
    await tracker.announce({ stream: STREAM, port: 2050, head: signHead(key, SESSION, 20, Date.now()) });
    expect(await entries(running)).toEqual([{ host: '127.0.0.1', port: 2050, edge: 20 }]);
    await tracker.announce({ stream: STREAM, port: 2050, live: false, end: signEnd(key, SESSION, 21) });
    expect(await tracker.list()).toEqual([{ name: 'cam1', stream: STREAM, live: false, peers: 0, edge: 21 }]);
  });

  it('after losing its central, reconnects, publishes again with a newer timestamp, then announces everything again', async () => {
    const first = await central({ interval: 200 });
    const port = first.port;
    const tracker = client({ centrals: [addressOf(first)], minBackoff: 10 });
    const events: string[] = [];
    tracker.on('connected', () => events.push('connected'));
    tracker.on('disconnected', () => events.push('disconnected'));
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    // Central restarts on the same port with an empty memory registry.
    await first.close();
    const restarted = await central({ port, interval: 200 });
    await eventually(async () => (await entries(restarted)).length === 1);
    // An announce before the publish would have been refused with STREAM_NOT_FOUND.
    expect(restarted.tracker.counters).toMatchObject({ publish: 1, refused: {} });
    expect(signed[1]).toBeGreaterThan(signed[0]!);
    expect(events).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('is listed again, in one announce, when Redis lost everything while the connection stayed up', async () => {
    const server = await redis();
    const running = await central({ registry: await redisRegistry(server.url), interval: 50 });
    const tracker = client({ centrals: [addressOf(running)] });
    const events: string[] = [];
    tracker.on('connected', () => events.push('connected'));
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    // Redis loses everything (as a Redis restarted without persistence would) while central stays up.
    expect(spawnSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'], { encoding: 'utf8' }).stdout.trim()).toBe('OK');
    // Central publishes it again from this connection's own publish: no refusal, no second publish or announce.
    await eventually(async () => (await entries(running)).length === 1);
    expect(running.tracker.counters).toMatchObject({ publish: 1, restored: 1, refused: {} });
    expect(events).toEqual(['connected']);
  });

  it('stops announcing and removes its entry on leave', async () => {
    const running = await central({ interval: 30 });
    const tracker = client({ centrals: [addressOf(running)] });
    await tracker.publish(publication);
    await tracker.announce({ stream: STREAM, port: 2050 });
    await tracker.leave(STREAM);
    const announces = running.tracker.counters.announce;
    expect(running.tracker.counters.leave).toBe(1);
    expect(await entries(running)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running.tracker.counters.announce).toBe(announces);
    expect(tracker.announced).toEqual([]);
  });

  it('leaves every stream on close and refuses calls afterwards with CLIENT_CLOSED', async () => {
    const running = await central();
    const other = generateStreamKey();
    const tracker = client({ centrals: [addressOf(running)] });
    await tracker.publish(publication);
    await tracker.publish({ name: 'cam2', publicKey: other.publicKey, live: true, session: SESSION, sign: (ts) => signPublish(other, 'cam2', ts, SESSION) });
    await tracker.announce({ stream: STREAM, port: 2050 });
    await tracker.announce({ stream: other.streamId, port: 2050 });
    await tracker.close();
    expect(running.tracker.counters.leave).toBe(2);
    expect([...(await entries(running, 'cam1')), ...(await entries(running, 'cam2'))]).toEqual([]);
    await expect(tracker.list()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('rejects with the signal’s reason when a call is aborted, before or while it waits', async () => {
    // The real tracker answers at once; to keep a call waiting its registry never answers `list`
    // (as a hung Redis would not, within the command timeout, but long enough to abort first).
    const stalled: Registry = new Proxy(memoryRegistry(), {
      get(target, property) {
        if (property === 'list') return () => new Promise<never>(() => undefined);
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const running = await central({ registry: stalled });
    await withFilm(running);
    const tracker = client({ centrals: [addressOf(running)] });
    await expect(tracker.lookup('film', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(running.tracker.counters.lookup).toBe(0);
    const controller = new AbortController();
    const pending = tracker.list({ signal: controller.signal });
    await eventually(() => running.tracker.counters.list === 1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(tracker.lookup('film')).resolves.toMatchObject({ name: 'film' });
  });
});
