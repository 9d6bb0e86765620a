import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type RedisServer } from '../../../tools/testing/index.js';
import { RegistryUnavailableError } from '../src/errors.js';
import { RedisRegistry, type RedisStatus } from '../src/redis-registry.js';
import { CLAIM_NAME } from '../src/redis-scripts.js';
import { describeRegistryContract } from './registry-conformance.js';
import { describeAddressLimitsContract } from './address-limits-conformance.js';
import { describeSharedAddressLimits } from './shared-address-limits.js';
import { generateStreamKey, newSession, signEnd, signHead, signPublish } from '@p2pstream/data';
import { Tracker, TrackerSession } from '../src/tracker.js';
import { ManualClock } from '@p2pstream/units';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

// Each test gets its own key prefix, so no test sees another's keys.
describeRegistryContract('redis', () => RedisRegistry.connect({ url: redis.url, prefix: `t-${randomUUID()}:`, sweepGap: 0 }));

describeAddressLimitsContract('redis', async (policy, clock) => {
  const registry = await RedisRegistry.connect({ url: redis.url, prefix: `t-${randomUUID()}:` });
  return { limits: registry.addressLimits(policy, clock), close: () => registry.close() };
});
describeSharedAddressLimits('redis', () => redis.url);

describe('RedisRegistry', () => {
  const T = 1_700_000_000_000;
  const SESSION = '0123456789abcdef';
  const A = 'a'.repeat(64);
  const opened: RedisRegistry[] = [];
  const open = async (prefix: string, onStatus?: (status: RedisStatus) => void) => {
    const registry = await RedisRegistry.connect({ url: redis.url, prefix, onStatus, commandTimeout: 500 });
    opened.push(registry);
    return registry;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((registry) => registry.close()));
  });

  it('shares one swarm between two central processes: a peer announced at one is found at the other', async () => {
    const prefix = `t-${randomUUID()}:`;
    const [one, two] = [await open(prefix), await open(prefix)];
    await one.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
    expect(await two.announce({ stream: A, host: '127.0.0.2', port: 2050, edge: 3, announcedAt: T, expiresAt: T + 1_000, visibleUntil: T + 2_000 })).toBe(true);
    expect((await one.lookup('cam1', T, 10))?.candidates).toEqual([{ host: '127.0.0.2', port: 2050, edge: 3, source: false, since: T }]);
    expect(await two.publish({ session: SESSION, name: 'cam1', stream: 'b'.repeat(64), live: true, ts: T })).toMatchObject({ result: 'name-taken' });
  });

  it('keeps the first-seen time of an entry stored by the layout before per-entry fields, and learns its source flag at its next announce', async () => {
    const prefix = `t-${randomUUID()}:`;
    const registry = await open(prefix);
    await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
    const entry = { stream: A, host: '127.0.0.2', port: 2050, edge: 3, announcedAt: T, expiresAt: T + 10_000, visibleUntil: T + 20_000 };
    await registry.announce({ ...entry, source: true });
    await registry.announce({ ...entry, host: '127.0.0.3' });
    // What the layout before kept: the entry in the sorted sets, nothing under {id}:entries.
    spawnSync('redis-cli', ['-p', String(redis.port), 'DEL', `${prefix}{${A}}:entries`]);
    await registry.announce({ ...entry, source: true, edge: 4, announcedAt: T + 5_000 });
    await registry.announce({ ...entry, host: '127.0.0.3', edge: 4, announcedAt: T + 5_000 });
    const found = await registry.lookup('cam1', T + 5_000, 10);
    expect(found?.stream).toMatchObject({ peers: 2, viewers: 1 });
    expect(found?.candidates).toEqual([
      { host: '127.0.0.2', port: 2050, edge: 4, source: true, since: T },
      { host: '127.0.0.3', port: 2050, edge: 4, source: false, since: T },
    ]);
  });

  it('lets a central that never saw the publisher clip edges to the signed head another central stored', async () => {
    const prefix = `t-${randomUUID()}:`;
    const key = generateStreamKey();
    const session = newSession();
    const now = Date.now();
    const [one, two] = [await open(prefix), await open(prefix)].map((registry) => new Tracker({ registry }));
    const publisher = new TrackerSession('127.0.0.1');
    await one!.publish(publisher, { t: 'publish', id: 1, name: 'cam1', key: key.publicKey, ts: now, live: true, session, sig: signPublish(key, 'cam1', now, session) });
    const head = signHead(key, session, 25, now);
    await one!.announce(publisher, { t: 'announce', id: 2, stream: key.streamId, port: 2049, edge: 25, live: true, ts: head.ts, sig: head.sig });
    await two!.announce(new TrackerSession('127.0.0.2'), { t: 'announce', id: 3, stream: key.streamId, port: 2050, edge: 2 ** 53 - 1, live: true });
    const found = await two!.lookup(new TrackerSession('127.0.0.9'), { t: 'lookup', id: 4, name: 'cam1', count: 50 });
    expect(found.edge).toBe(25);
    expect(found.peers.map((p) => p.edge)).toEqual([25, 25]);
    const end = signEnd(key, session, 30);
    await one!.announce(publisher, { t: 'announce', id: 5, stream: key.streamId, port: 2049, edge: 30, live: false, end: end.sig });
    expect((await two!.list()).streams).toEqual([{ name: 'cam1', stream: key.streamId, live: false, peers: 1, edge: 30 }]);
  });

  it("clips a viewer's announce to a head its central read within headCacheAge, and reads the registry once that has passed", async () => {
    const prefix = `t-${randomUUID()}:`;
    const key = generateStreamKey();
    const session = newSession();
    const clock = new ManualClock(Date.now());
    const [one, two] = [await open(prefix), await open(prefix)].map((registry) => new Tracker({ registry, clock, headCacheAge: 1_000 }));
    const publisher = new TrackerSession('127.0.0.1');
    const viewer = new TrackerSession('127.0.0.2');
    const now = clock.now();
    await one!.publish(publisher, { t: 'publish', id: 1, name: 'cam1', key: key.publicKey, ts: now, live: true, session, sig: signPublish(key, 'cam1', now, session) });
    const publishHead = async (edge: number) => {
      const head = signHead(key, session, edge, clock.now());
      await one!.announce(publisher, { t: 'announce', id: 2, stream: key.streamId, port: 2049, edge, live: true, ts: head.ts, sig: head.sig });
    };
    const viewerEdge = async () => {
      await two!.announce(viewer, { t: 'announce', id: 3, stream: key.streamId, port: 2050, edge: 1_000, live: true });
      const found = await one!.lookup(new TrackerSession('127.0.0.9'), { t: 'lookup', id: 4, name: 'cam1', count: 50 });
      return found.peers.find((p) => p.port === 2050)?.edge;
    };
    await publishHead(25);
    expect(await viewerEdge()).toBe(25);
    clock.advance(500);
    await publishHead(40);
    clock.advance(499);
    // Central two read head 25 999 ms ago: a stale head clips lower, never higher.
    expect(await viewerEdge()).toBe(25);
    clock.advance(1);
    expect(await viewerEdge()).toBe(40);
  });

  it('counts each expired entry once when two processes sweep at the same moment', async () => {
    const prefix = `t-${randomUUID()}:`;
    const [one, two] = [await open(prefix), await open(prefix)];
    await one.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
    for (let i = 0; i < 50; i++) {
      await one.announce({ stream: A, host: `127.0.2.${i}`, port: 2050, edge: i, announcedAt: T, expiresAt: T + 1_000 + i, visibleUntil: T + 60_000 });
    }
    const results = await Promise.all([one.sweep(T + 1_025), two.sweep(T + 1_025)]);
    expect(results[0].peers + results[1].peers).toBe(26);
    expect((await one.lookup('cam1', T + 1_025, 50))?.stream.peers).toBe(24);
    expect(await two.counts()).toEqual({ streams: 1, peers: 24 });
  });

  it('sweeps a stream at most once per sweep gap, while list counts it exactly meanwhile', async () => {
    const registry = await RedisRegistry.connect({ url: redis.url, prefix: `t-${randomUUID()}:`, sweepGap: 10_000 });
    opened.push(registry);
    await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
    await registry.announce({ stream: A, host: '127.0.0.2', port: 2050, edge: 1, announcedAt: T, expiresAt: T + 1_000, visibleUntil: T + 60_000 });
    await registry.announce({ stream: A, host: '127.0.0.3', port: 2050, edge: 1, announcedAt: T, expiresAt: T + 2_000, visibleUntil: T + 60_000 });
    expect(await registry.sweep(T + 1_000)).toEqual({ peers: 1, streams: 0 });
    // The second entry expired at T + 2 s, but the stream is next looked at T + 11 s.
    expect(await registry.sweep(T + 5_000)).toEqual({ peers: 0, streams: 0 });
    expect(await registry.counts()).toEqual({ streams: 1, peers: 1 });
    expect((await registry.list(T + 5_000, 10))[0]).toMatchObject({ peers: 0 });
    expect(await registry.sweep(T + 11_000)).toEqual({ peers: 1, streams: 0 });
    expect(await registry.counts()).toEqual({ streams: 1, peers: 0 });
  });

  it('keeps a published name forever, gives back a name the stream refused, and leaves a half-done claim to expire', async () => {
    const prefix = `t-${randomUUID()}:`;
    const registry = await open(prefix);
    const pttl = (name: string) => Number(spawnSync('redis-cli', ['-p', String(redis.port), 'PTTL', `${prefix}name:${name}`], { encoding: 'utf8' }).stdout.trim());
    await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
    expect(pttl('cam1')).toBe(-1);
    expect(await registry.publish({ session: SESSION, name: 'cam2', stream: A, live: true, ts: T + 1 })).toEqual({ result: 'key-bound', name: 'cam1' });
    expect(pttl('cam2')).toBe(-2);
    // A claim whose publish never reached the stream (the central died in between) holds the name only for a while.
    spawnSync('redis-cli', ['-p', String(redis.port), 'EVAL', CLAIM_NAME.source, '1', `${prefix}name:cam3`, 'b'.repeat(64), '60000']);
    expect(pttl('cam3')).toBeGreaterThan(0);
    expect(await registry.lookup('cam3', T, 10)).toBeUndefined();
  });

  it('says which URL it could not reach and how to start Redis', async () => {
    const port = await freePort();
    const attempt = RedisRegistry.connect({ url: `redis://127.0.0.1:${port}/0` });
    await expect(attempt).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(attempt).rejects.toThrow(`redis://127.0.0.1:${port}/0`);
    await expect(attempt).rejects.toThrow(`redis-server --port ${port}`);
  });

  it('refuses an announce with REGISTRY_UNAVAILABLE while Redis is away, and lets no address past its limits meanwhile', async () => {
    const own = await startRedisServer();
    try {
      const registry = await RedisRegistry.connect({ url: own.url, commandTimeout: 500 });
      opened.push(registry);
      const tracker = new Tracker({ registry, announceRate: 1, announceBurst: 1 });
      const key = generateStreamKey();
      const viewer = new TrackerSession('127.0.0.7');
      const announce = () => tracker.announce(viewer, { t: 'announce', id: 2, stream: key.streamId, port: 2050, edge: 1, live: true });
      await expect(announce()).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
      await own.stop();
      // Fail closed: the limits cannot be read, so nothing is served (the registry could not record it anyway).
      await expect(announce()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
      expect(tracker.counters.refused).toEqual({ STREAM_NOT_FOUND: 1, REGISTRY_UNAVAILABLE: 1 });
    } finally {
      await own.stop();
    }
  });

  it('answers REGISTRY_UNAVAILABLE within its command timeout while Redis hangs, and works again when it answers', async () => {
    const own = await startRedisServer();
    const registry = await RedisRegistry.connect({ url: own.url, commandTimeout: 300 });
    opened.push(registry);
    try {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      process.kill(own.pid, 'SIGSTOP');
      await expect(registry.lookup('cam1', T, 10)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', message: expect.stringContaining('within 300 ms') });
      process.kill(own.pid, 'SIGCONT');
      expect((await registry.lookup('cam1', T, 10))?.stream.name).toBe('cam1');
    } finally {
      process.kill(own.pid, 'SIGCONT');
      await own.stop();
    }
  });

  it('fails fast with REGISTRY_UNAVAILABLE while Redis is away and works again when it is back', async () => {
    const own = await startRedisServer();
    const statuses: RedisStatus[] = [];
    const registry = await RedisRegistry.connect({ url: own.url, commandTimeout: 500, onStatus: (s) => statuses.push(s) });
    opened.push(registry);
    try {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await own.stop();
      await expect(registry.lookup('cam1', T, 10)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
      expect(statuses.map((s) => s.state)).toEqual(['down']);

      const back = await startRedisServer({ port: own.port });
      try {
        let result: Awaited<ReturnType<RedisRegistry['lookup']>> | 'unavailable' = 'unavailable';
        for (let attempt = 0; attempt < 50 && result === 'unavailable'; attempt++) {
          result = await registry.lookup('cam1', T, 10).catch(() => 'unavailable' as const);
          if (result === 'unavailable') await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // The restarted Redis saved nothing, so the name is unknown again — but the answer is an answer.
        expect(result).toBeUndefined();
        expect(statuses.map((s) => s.state)).toEqual(['down', 'up']);
      } finally {
        await back.stop();
      }
    } finally {
      await own.stop();
    }
  });
});
