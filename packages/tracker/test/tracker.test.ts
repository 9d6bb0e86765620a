import { generateStreamKey, newSession, signEnd, signHead, signPublish, type StreamKey } from '@p2pstream/data';
import type { PublishMessage } from '@p2pstream/wire';
import { beforeEach, describe, expect, it } from 'vitest';
import { TrackerError } from '../src/errors.js';
import { MemoryRegistry } from '../src/memory-registry.js';
import { resolveTrackerSettings, Tracker, TrackerSession, type TrackerOptions } from '../src/tracker.js';
import { ManualClock, seededRandom } from '@p2pstream/units';

/** A wall-clock time to start the manual clock at, as registry expiry times are. */
const WALL_CLOCK_START = 1_700_000_000_000;

const SESSION = newSession();

const key = generateStreamKey();
const otherKey = generateStreamKey();

function publishOf(k: StreamKey, name: string, ts: number, live = true): PublishMessage {
  return { t: 'publish', id: 1, name, key: k.publicKey, ts, live, session: SESSION, sig: signPublish(k, name, ts, SESSION) };
}

async function refusal(promise: Promise<unknown>): Promise<TrackerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TrackerError)) throw new Error(`expected a TrackerError, got ${String(error)}`);
  return error;
}

describe('Tracker', () => {
  let clock: ManualClock;
  let tracker: Tracker;
  const make = (options: Partial<TrackerOptions> = {}) =>
    new Tracker({ registry: new MemoryRegistry(), clock, random: seededRandom(7), interval: 1_000, ttl: 1_500, grace: 3_000, ...options });
  const announce = (session: TrackerSession, stream: string, port = 2050, edge = 0, live = true) =>
    tracker.announce(session, { t: 'announce', id: 2, stream, port, edge, live });
  /** An announce that carries the publisher's signed head at `edge`, signed now. */
  const announceHead = (session: TrackerSession, edge: number, port = 2049, signer: StreamKey = key, session8 = SESSION) => {
    const { ts, sig } = signHead(signer, session8, edge, clock.now());
    return tracker.announce(session, { t: 'announce', id: 2, stream: key.streamId, port, edge, live: true, ts, sig });
  };
  const lookup = (session: TrackerSession, name = 'cam1', count = 50) => tracker.lookup(session, { t: 'lookup', id: 3, name, count });

  beforeEach(() => {
    clock = new ManualClock(WALL_CLOCK_START);
    tracker = make();
  });

  describe('publish', () => {
    it('binds the name to the signing key and answers with the stream id', async () => {
      const reply = await tracker.publish(new TrackerSession('127.0.0.2'), publishOf(key, 'cam1', clock.now()));
      expect(reply).toEqual({ t: 'published', stream: key.streamId });
    });

    it("answers a publish that asks with the watch page's URL at the address the publisher reached central on, and one that does not ask without it", async () => {
      tracker = make({ watchPageUrl: (name, centralHost) => `http://${centralHost}:8045/watch/${name}` });
      const asking = await tracker.publish(new TrackerSession('192.168.1.30', '192.168.1.20'), { ...publishOf(key, 'cam1', clock.now()), pages: true });
      expect(asking).toEqual({ t: 'published', stream: key.streamId, watch: 'http://192.168.1.20:8045/watch/cam1' });
      clock.advance(1);
      const silent = await tracker.publish(new TrackerSession('192.168.1.30', '192.168.1.20'), publishOf(key, 'cam1', clock.now()));
      expect(silent).toEqual({ t: 'published', stream: key.streamId });
    });

    it('answers without a URL when central serves no watch pages', async () => {
      const reply = await tracker.publish(new TrackerSession('127.0.0.2', '127.0.0.1'), { ...publishOf(key, 'cam1', clock.now()), pages: true });
      expect(reply).toEqual({ t: 'published', stream: key.streamId });
    });

    it('refuses the name to another key with NAME_TAKEN and keeps the connection', async () => {
      await tracker.publish(new TrackerSession('127.0.0.2'), publishOf(key, 'cam1', clock.now()));
      const error = await refusal(tracker.publish(new TrackerSession('127.0.0.3'), publishOf(otherKey, 'cam1', clock.now())));
      expect(error).toMatchObject({ code: 'NAME_TAKEN', closesConnection: false });
    });

    it('refuses a replayed publish and closes the connection', async () => {
      const message = publishOf(key, 'cam1', clock.now());
      await tracker.publish(new TrackerSession('127.0.0.2'), message);
      const error = await refusal(tracker.publish(new TrackerSession('127.0.0.9'), message));
      expect(error).toMatchObject({ code: 'REPLAYED', closesConnection: true });
    });

    it('refuses timestamps more than the window behind or ahead of its clock', async () => {
      const session = new TrackerSession('127.0.0.2');
      const old = await refusal(tracker.publish(session, publishOf(key, 'cam1', clock.now() - 5 * 60_000 - 1)));
      expect(old).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW', closesConnection: false });
      expect(old.message).toMatch(/behind central's clock/);
      const future = await refusal(tracker.publish(session, publishOf(key, 'cam1', clock.now() + 5 * 60_000 + 1)));
      expect(future.message).toMatch(/ahead of central's clock/);
      await expect(tracker.publish(session, publishOf(key, 'cam1', clock.now() - 5 * 60_000))).resolves.toBeDefined();
    });

    it('refuses a signature made for another name, timestamp or key with BAD_SIGNATURE', async () => {
      const session = new TrackerSession('127.0.0.2');
      const ts = clock.now();
      const cases = [
        { ...publishOf(key, 'cam1', ts), sig: signPublish(key, 'cam2', ts, SESSION) },
        { ...publishOf(key, 'cam1', ts), sig: signPublish(key, 'cam1', ts - 1, SESSION) },
        { ...publishOf(key, 'cam1', ts), sig: signPublish(otherKey, 'cam1', ts, SESSION) },
        { ...publishOf(key, 'cam1', ts), sig: new Uint8Array(64) },
      ];
      for (const message of cases) {
        expect(await refusal(tracker.publish(session, message))).toMatchObject({ code: 'BAD_SIGNATURE', closesConnection: true });
      }
    });
  });

  describe('announce and lookup', () => {
    /** The connection that published cam1: its announces are the source's. */
    let source: TrackerSession;
    beforeEach(async () => {
      source = new TrackerSession('127.0.0.1');
      await tracker.publish(source, publishOf(key, 'cam1', clock.now()));
    });

    it('records the host seen on the socket and hands out a jittered interval and the TTL', async () => {
      const intervals = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const reply = await announce(new TrackerSession(`127.0.0.${i + 2}`), key.streamId);
        expect(reply.ttl).toBe(1_500);
        expect(reply.interval).toBeGreaterThanOrEqual(900);
        expect(reply.interval).toBeLessThanOrEqual(1_100);
        intervals.add(reply.interval);
      }
      expect(intervals.size).toBeGreaterThan(1);
      const found = await lookup(new TrackerSession('10.0.0.1'), 'cam1', 50);
      expect(found.peers.map((p) => p.host).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`).sort());
    });

    it('refuses an announce for a stream that was never published with STREAM_NOT_FOUND', async () => {
      const error = await refusal(announce(new TrackerSession('127.0.0.2'), otherKey.streamId));
      expect(error).toMatchObject({ code: 'STREAM_NOT_FOUND', closesConnection: false });
    });

    it('never returns the asker its own entry', async () => {
      const me = new TrackerSession('127.0.0.2');
      await announce(me, key.streamId, 2050);
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2051);
      await announce(new TrackerSession('127.0.0.3'), key.streamId, 2050);
      const found = await lookup(me);
      expect(found.peers).toEqual(
        expect.arrayContaining([
          { host: '127.0.0.2', port: 2051, edge: 0 },
          { host: '127.0.0.3', port: 2050, edge: 0 },
        ]),
      );
      expect(found.peers).toHaveLength(2);
    });

    it('answers with the stream details and STREAM_NOT_FOUND for an unknown name', async () => {
      await announceHead(source, 42);
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2050, 42);
      expect(await lookup(new TrackerSession('127.0.0.3'))).toMatchObject({ t: 'peers', name: 'cam1', stream: key.streamId, live: true, edge: 42 });
      expect(await refusal(lookup(new TrackerSession('127.0.0.3'), 'nope'))).toMatchObject({ code: 'STREAM_NOT_FOUND' });
    });

    it('returns at most the peers asked for and at most --max-peers', async () => {
      for (let i = 0; i < 30; i++) await announce(new TrackerSession(`127.0.1.${i}`), key.streamId);
      expect((await lookup(new TrackerSession('127.0.0.9'), 'cam1', 7)).peers).toHaveLength(7);
      tracker = make({ maxLookupPeers: 5, announceBurst: 1_000 });
      await tracker.publish(new TrackerSession('127.0.0.1'), publishOf(key, 'cam1', clock.now()));
      for (let i = 0; i < 30; i++) await announce(new TrackerSession(`127.0.1.${i}`), key.streamId);
      expect((await lookup(new TrackerSession('127.0.0.9'), 'cam1', 50)).peers).toHaveLength(5);
    });

    it('offers peers near the live edge before peers far behind it', async () => {
      await announceHead(source, 1_000);
      for (let i = 0; i < 10; i++) await announce(new TrackerSession(`127.0.1.${i}`), key.streamId, 2050, 1_000 - i);
      for (let i = 0; i < 10; i++) await announce(new TrackerSession(`127.0.2.${i}`), key.streamId, 2050, 100 + i);
      const found = await lookup(new TrackerSession('127.0.0.9'), 'cam1', 13);
      expect(found.peers.slice(0, 11).every((p) => p.edge > 900)).toBe(true);
      expect(found.peers.slice(11).every((p) => p.edge < 200)).toBe(true);
    });

    it('forgets a peer that misses its announce for longer than the TTL', async () => {
      const quiet = new TrackerSession('127.0.0.2');
      const steady = new TrackerSession('127.0.0.3');
      await announce(quiet, key.streamId);
      await announce(steady, key.streamId);
      clock.advance(1_000);
      await announce(steady, key.streamId);
      clock.advance(600);
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers.map((p) => p.host)).toEqual(['127.0.0.3']);
    });

    it('keeps one entry per connection and stream: a new port replaces the old one', async () => {
      const session = new TrackerSession('127.0.0.2');
      await announce(session, key.streamId, 2050);
      await announce(session, key.streamId, 2060);
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers).toEqual([{ host: '127.0.0.2', port: 2060, edge: 0 }]);
    });

    it('lets only the publishing connection mark the stream finished', async () => {
      await announceHead(source, 5);
      const viewer = new TrackerSession('127.0.0.2');
      await announce(viewer, key.streamId, 2050, 5, false);
      expect((await tracker.list()).streams[0]?.live).toBe(true);
      const publisher = new TrackerSession('127.0.0.1');
      clock.advance(1);
      await tracker.publish(publisher, publishOf(key, 'cam1', clock.now()));
      await announce(publisher, key.streamId, 2050, 5, false);
      expect((await tracker.list()).streams[0]?.live).toBe(false);
    });

    it('removes the entry of a connection that leaves, and refuses a leave for an entry it did not announce', async () => {
      const session = new TrackerSession('127.0.0.2');
      await announce(session, key.streamId);
      expect(await tracker.leave(session, { t: 'leave', id: 4, stream: key.streamId })).toEqual({ t: 'ok' });
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers).toEqual([]);
      await announce(new TrackerSession('127.0.0.3'), key.streamId);
      const error = await refusal(tracker.leave(new TrackerSession('127.0.0.3'), { t: 'leave', id: 5, stream: key.streamId }));
      expect(error).toMatchObject({ code: 'NOT_ANNOUNCED', closesConnection: true });
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers).toHaveLength(1);
    });

    it('lists viewers: the entry of the connection that published is not counted', async () => {
      const publisher = new TrackerSession('127.0.0.1');
      clock.advance(1);
      await tracker.publish(publisher, publishOf(key, 'cam1', clock.now()));
      await announce(publisher, key.streamId, 2050, 5);
      expect((await tracker.list()).streams[0]?.peers).toBe(0);
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2050, 5);
      await announce(new TrackerSession('127.0.0.3'), key.streamId, 2050, 5);
      expect((await tracker.list()).streams[0]?.peers).toBe(2);
      // Look-ups still offer the publisher: it is a peer to fetch from, only not a viewer.
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers).toHaveLength(3);
    });

    it('believes the edge of any peer only as far as the source\'s signed head', async () => {
      await announceHead(source, 40);
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2050, Number.MAX_SAFE_INTEGER);
      await announce(new TrackerSession('127.0.0.3'), key.streamId, 2050, 12);
      const found = await lookup(new TrackerSession('127.0.0.9'));
      expect(found.edge).toBe(40);
      expect(found.peers.map((p) => p.edge).sort((a, b) => a - b)).toEqual([12, 40, 40]);
      expect((await tracker.list()).streams[0]?.edge).toBe(40);
    });

    it('believes no edge, not even the publishing connection\'s, before a signed head', async () => {
      await announce(source, key.streamId, 2049, 40);
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2050, 40);
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers.map((p) => p.edge)).toEqual([0, 0]);
    });

    it('refuses a head signed by another key or in another session with BAD_SIGNATURE, and keeps the head it had', async () => {
      await announceHead(source, 10);
      const liar = new TrackerSession('127.0.0.5');
      expect(await refusal(announceHead(liar, 9_999, 2050, otherKey))).toMatchObject({ code: 'BAD_SIGNATURE', closesConnection: true });
      expect(await refusal(announceHead(liar, 9_999, 2050, key, newSession()))).toMatchObject({ code: 'BAD_SIGNATURE' });
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2050, 9_999);
      expect((await lookup(new TrackerSession('127.0.0.9'))).edge).toBe(10);
    });

    it('believes a signed head whoever passes it on, but a replayed head does not keep a silent source fresh', async () => {
      await announceHead(source, 30);
      const { ts, sig } = signHead(key, SESSION, 30, clock.now());
      const viewer = new TrackerSession('127.0.0.2');
      // A viewer relaying the newest head it verified: believed as far as it goes…
      await tracker.announce(viewer, { t: 'announce', id: 2, stream: key.streamId, port: 2050, edge: 30, live: true, ts, sig });
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers.map((p) => p.edge)).toEqual([30, 30]);
      // …but the same head, announced again and again, is no news from the source.
      for (let i = 0; i < 6; i++) {
        clock.advance(1_000);
        await tracker.announce(viewer, { t: 'announce', id: 2, stream: key.streamId, port: 2050, edge: 30, live: true, ts, sig });
      }
      expect((await tracker.list()).streams).toEqual([]);
    });

    it('clips edges at a central that never saw the publisher, by the head another central stored in the shared registry', async () => {
      const registry = new MemoryRegistry();
      const first = new Tracker({ registry, clock, random: seededRandom(1), interval: 1_000, ttl: 1_500, grace: 3_000 });
      const second = new Tracker({ registry, clock, random: seededRandom(2), interval: 1_000, ttl: 1_500, grace: 3_000 });
      const publisher = new TrackerSession('127.0.0.1');
      clock.advance(1);
      await first.publish(publisher, publishOf(key, 'cam1', clock.now()));
      const { ts, sig } = signHead(key, SESSION, 25, clock.now());
      await first.announce(publisher, { t: 'announce', id: 2, stream: key.streamId, port: 2049, edge: 25, live: true, ts, sig });
      await second.announce(new TrackerSession('127.0.0.2'), { t: 'announce', id: 2, stream: key.streamId, port: 2050, edge: 2 ** 53 - 1, live: true });
      const found = await second.lookup(new TrackerSession('127.0.0.9'), { t: 'lookup', id: 3, name: 'cam1', count: 50 });
      expect(found.edge).toBe(25);
      expect(found.peers.map((p) => p.edge)).toEqual([25, 25]);
    });

    it('takes a signed end as the stream finished: edges clip to it and the source cannot make it live again', async () => {
      await announceHead(source, 12);
      const end = signEnd(key, SESSION, 12);
      await tracker.announce(source, { t: 'announce', id: 2, stream: key.streamId, port: 2049, edge: 12, live: false, end: end.sig });
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 2050, 500);
      await announce(source, key.streamId, 2049, 12, true);
      const listed = (await tracker.list()).streams[0];
      expect(listed).toMatchObject({ live: false, edge: 12 });
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers.map((p) => p.edge).sort()).toEqual([12, 12]);
      const forged = { ...end, sig: Uint8Array.from(end.sig, (b, i) => (i === 0 ? b ^ 1 : b)) };
      expect(await refusal(tracker.announce(source, { t: 'announce', id: 2, stream: key.streamId, port: 2049, edge: 13, live: false, end: forged.sig }))).toMatchObject({
        code: 'BAD_SIGNATURE',
      });
    });

    it('holds at most --max-entries-per-ip ports of one address in a stream, and takes a renewal of one it holds', async () => {
      tracker = make({ maxEntriesPerIp: 2, announceBurst: 1_000 });
      await tracker.publish(source, publishOf(key, 'cam1', clock.now() + 1));
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 3000);
      await announce(new TrackerSession('127.0.0.2'), key.streamId, 3001);
      expect(await refusal(announce(new TrackerSession('127.0.0.2'), key.streamId, 3002))).toMatchObject({ code: 'TOO_MANY_ENTRIES' });
      await expect(announce(new TrackerSession('127.0.0.2'), key.streamId, 3001)).resolves.toBeDefined();
      expect((await lookup(new TrackerSession('127.0.0.9'))).peers.map((p) => p.port).sort()).toEqual([3000, 3001]);
    });

    it('does not keep listed a stream whose source went silent for a TTL, however its viewers announce', async () => {
      await announceHead(source, 5);
      const viewer = new TrackerSession('127.0.0.2');
      for (let i = 0; i < 6; i++) {
        await announce(viewer, key.streamId, 2050, 5);
        clock.advance(1_000);
      }
      // The source's announce kept it listed for TTL + grace (4.5 s); the viewers' announces since do not.
      expect((await tracker.list()).streams).toEqual([]);
    });

    it('drops a stream with no peers from the list after the grace period', async () => {
      await announce(source, key.streamId);
      clock.advance(1_500 + 2_999);
      expect((await tracker.list()).streams).toEqual([{ name: 'cam1', stream: key.streamId, live: true, peers: 0, edge: 0 }]);
      clock.advance(1);
      expect((await tracker.list()).streams).toEqual([]);
      expect(await tracker.sweep()).toEqual({ peers: 1, streams: 1 });
    });
  });

  describe('limits per IP address', () => {
    it('answers RATE_LIMITED to an announce flood from one address, and closes that connection', async () => {
      tracker = make({ announceRate: 10, announceBurst: 5 });
      const session = new TrackerSession('127.0.0.2');
      await tracker.publish(session, publishOf(key, 'cam1', clock.now()));
      for (let i = 0; i < 4; i++) await announce(session, key.streamId);
      const error = await refusal(announce(new TrackerSession('127.0.0.2'), key.streamId));
      expect(error).toMatchObject({ code: 'RATE_LIMITED', closesConnection: true });
      await expect(announce(new TrackerSession('127.0.0.3'), key.streamId)).resolves.toBeDefined();
      clock.advance(100);
      await expect(announce(session, key.streamId)).resolves.toBeDefined();
    });

    it('bounds the distinct streams one address may publish or announce', async () => {
      tracker = make({ maxStreamsPerIp: 3, streamQuotaWindow: 10_000, announceBurst: 1_000 });
      const session = new TrackerSession('127.0.0.2');
      const keys = Array.from({ length: 4 }, () => generateStreamKey());
      for (const [i, k] of keys.slice(0, 3).entries()) await tracker.publish(session, publishOf(k, `s${i}`, clock.now()));
      const error = await refusal(tracker.publish(session, publishOf(keys[3]!, 's3', clock.now())));
      expect(error).toMatchObject({ code: 'TOO_MANY_STREAMS', closesConnection: true });
      await expect(announce(session, keys[0]!.streamId)).resolves.toBeDefined();
      await expect(tracker.publish(new TrackerSession('127.0.0.3'), publishOf(keys[3]!, 's3', clock.now()))).resolves.toBeDefined();
      expect(await refusal(announce(session, keys[3]!.streamId))).toMatchObject({ code: 'TOO_MANY_STREAMS' });
      clock.advance(10_000);
      await expect(announce(session, keys[3]!.streamId)).resolves.toBeDefined();
    });

    it('counts requests and refusals by code', async () => {
      await refusal(lookup(new TrackerSession('127.0.0.2'), 'nothing'));
      await tracker.list();
      expect(tracker.counters).toMatchObject({ lookup: 1, list: 1, refused: { STREAM_NOT_FOUND: 1 } });
    });
  });

  describe('settings', () => {
    it('refuses a TTL that is not longer than the longest jittered interval', () => {
      expect(() => resolveTrackerSettings({ interval: 1_000, ttl: 1_100 })).toThrow(/longer than the longest jittered interval \(1100 ms\)/);
      expect(resolveTrackerSettings({ interval: 1_000, ttl: 1_101 }).ttl).toBe(1_101);
    });

    it('defaults to a 15 s interval, a 20 s TTL and 50 peers per look-up', () => {
      expect(resolveTrackerSettings({})).toMatchObject({ interval: 15_000, ttl: 20_000, maxLookupPeers: 50, grace: 60_000 });
    });
  });
});
