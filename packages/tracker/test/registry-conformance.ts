import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnnounceRecord, Registry } from '../src/registry.js';

/**
 * The contract every registry keeps, run against MemoryRegistry and
 * RedisRegistry alike. `create` gives a fresh, empty registry per test.
 */
export function describeRegistryContract(label: string, create: () => Promise<Registry>): void {
  describe(`${label} registry contract`, () => {
    let registry: Registry;
    const T = 1_700_000_000_000;
    const A = 'a'.repeat(64);
    const B = 'b'.repeat(64);
    const C = 'c'.repeat(64);
    const SESSION = '0123456789abcdef';
    const entry = (over: Partial<AnnounceRecord> = {}): AnnounceRecord => ({
      stream: A,
      host: '127.0.0.2',
      port: 2050,
      edge: 10,
      announcedAt: T,
      expiresAt: T + 1_000,
      visibleUntil: T + 5_000,
      ...over,
    });

    beforeEach(async () => {
      registry = await create();
    });
    afterEach(async () => {
      await registry.close();
    });

    it('binds a name to the first key that publishes it and refuses it to another key', async () => {
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T })).toEqual({ result: 'published' });
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: B, live: true, ts: T + 1 })).toEqual({ result: 'name-taken', holder: A });
    });

    it('accepts a newer publish from the same key and refuses an equal or older one as a replay', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T })).toEqual({ result: 'replayed', lastTs: T });
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T - 1 })).toEqual({ result: 'replayed', lastTs: T });
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: false, ts: T + 1 })).toEqual({ result: 'published' });
      expect((await registry.lookup('cam1', T, 10))?.stream.live).toBe(false);
    });

    it('hands out the session of the newest publish accepted, not of a replayed one', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      expect((await registry.lookup('cam1', T, 10))?.session).toBe(SESSION);
      await registry.publish({ session: 'fedcba9876543210', name: 'cam1', stream: A, live: true, ts: T + 1 });
      await registry.publish({ session: '1111111111111111', name: 'cam1', stream: A, live: true, ts: T });
      expect((await registry.lookup('cam1', T, 10))?.session).toBe('fedcba9876543210');
    });

    it('refuses a second name for a key that already publishes under one', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      expect(await registry.publish({ session: SESSION, name: 'cam2', stream: A, live: true, ts: T + 1 })).toEqual({ result: 'key-bound', name: 'cam1' });
      expect(await registry.lookup('cam2', T, 10)).toBeUndefined();
    });

    it('refuses an announce for a stream nobody published', async () => {
      expect(await registry.announce(entry())).toBe(false);
      expect(await registry.list(T, 10)).toEqual([]);
    });

    it('finds an announced peer by the stream name until its entry expires', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      expect(await registry.announce(entry())).toBe(true);
      const found = await registry.lookup('cam1', T + 999, 10);
      expect(found?.stream).toEqual({ name: 'cam1', stream: A, live: true, peers: 1, viewers: 1, edge: 10 });
      expect(found?.candidates).toEqual([{ host: '127.0.0.2', port: 2050, edge: 10, source: false, since: T }]);
      const expired = await registry.lookup('cam1', T + 1_000, 10);
      expect(expired?.candidates).toEqual([]);
      expect(expired?.stream.peers).toBe(0);
    });

    it('drops an entry when its latest announce runs out, even one that asked for less time than before', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ expiresAt: T + 10_000 }));
      await registry.announce(entry({ host: '127.0.0.3', expiresAt: T + 10_000 }));
      expect((await registry.lookup('cam1', T, 10))?.stream.peers).toBe(2);
      // A renewal with a shorter time, then a new entry with the shortest: each expires at its own time.
      await registry.announce(entry({ announcedAt: T + 1, expiresAt: T + 2_000 }));
      await registry.announce(entry({ host: '127.0.0.4', announcedAt: T + 2, expiresAt: T + 1_500 }));
      const hosts = async (at: number) => (await registry.lookup('cam1', at, 10))!.candidates.map((c) => `${c.host} since ${c.since - T}`).sort();
      expect(await hosts(T + 1_499)).toEqual(['127.0.0.2 since 0', '127.0.0.3 since 0', '127.0.0.4 since 2']);
      expect(await hosts(T + 1_500)).toEqual(['127.0.0.2 since 0', '127.0.0.3 since 0']);
      expect(await hosts(T + 2_000)).toEqual(['127.0.0.3 since 0']);
      expect((await registry.lookup('cam1', T + 2_000, 10))?.stream).toMatchObject({ peers: 1, viewers: 1 });
    });

    it('keeps what a dial-back found on a live entry across its renewals, hands it to look-ups and forgets it with the entry', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry());
      await registry.announce(entry({ host: '127.0.0.3' }));
      expect(await registry.markReachable(A, { host: '127.0.0.2', port: 2050 }, true, T)).toBe(true);
      expect(await registry.markReachable(A, { host: '127.0.0.3', port: 2050 }, false, T)).toBe(true);
      // No entry, or one that expired: nothing recorded.
      expect(await registry.markReachable(A, { host: '127.0.0.4', port: 2050 }, true, T)).toBe(false);
      expect(await registry.markReachable(A, { host: '127.0.0.2', port: 2050 }, false, T + 1_000)).toBe(false);
      await registry.announce(entry({ edge: 11, expiresAt: T + 2_000 }));
      const reach = async (at: number) =>
        Object.fromEntries((await registry.lookup('cam1', at, 10))!.candidates.map((c) => [c.host, c.reachable]));
      expect(await reach(T)).toEqual({ '127.0.0.2': true, '127.0.0.3': false });
      // An announce that carries a verdict replaces the one recorded.
      await registry.announce(entry({ host: '127.0.0.3', reachable: true, expiresAt: T + 2_000 }));
      expect(await reach(T)).toEqual({ '127.0.0.2': true, '127.0.0.3': true });
      // The entry leaves: announced again, it is not known until dialed back again.
      await registry.leave(A, [{ host: '127.0.0.2', port: 2050 }], T + 10, T + 5_000);
      await registry.announce(entry({ announcedAt: T + 20, expiresAt: T + 2_000 }));
      expect(await reach(T + 20)).toEqual({ '127.0.0.2': undefined, '127.0.0.3': true });
    });

    it('answers undefined for a name that is not bound', async () => {
      expect(await registry.lookup('nobody', T, 10)).toBeUndefined();
    });

    it('keeps one entry per host and port, refreshed by each announce', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry());
      await registry.announce(entry({ edge: 12, expiresAt: T + 3_000 }));
      await registry.announce(entry({ port: 2051, edge: 11 }));
      const found = await registry.lookup('cam1', T + 2_000, 10);
      expect(found?.candidates).toEqual([{ host: '127.0.0.2', port: 2050, edge: 12, source: false, since: T }]);
      expect(found?.stream).toMatchObject({ peers: 1, edge: 12 });
    });

    it('reports the highest edge ever announced for a stream', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ edge: 40 }));
      await registry.announce(entry({ host: '127.0.0.3', edge: 30 }));
      expect((await registry.lookup('cam1', T, 10))?.stream.edge).toBe(40);
    });

    it('starts the edge over when the stream is published again, instead of showing the last session\'s', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ edge: 836, source: true, live: true }));
      await registry.leave(A, [{ host: '127.0.0.2', port: 2050 }], T + 10, T + 5_000);
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T + 20 })).toEqual({ result: 'published' });
      expect((await registry.lookup('cam1', T + 30, 10))?.stream.edge).toBe(0);
      await registry.announce(entry({ edge: 505, source: true, live: true, expiresAt: T + 2_000 }));
      expect((await registry.lookup('cam1', T + 40, 10))?.stream.edge).toBe(505);
      expect((await registry.list(T + 40, 10))[0]?.edge).toBe(505);
    });

    it('counts as viewers every live entry but the publisher\'s own', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ source: true, live: true }));
      expect((await registry.list(T, 10))[0]).toMatchObject({ peers: 1, viewers: 0 });
      await registry.announce(entry({ host: '127.0.0.3' }));
      await registry.announce(entry({ host: '127.0.0.4', expiresAt: T + 3_000 }));
      expect((await registry.list(T, 10))[0]).toMatchObject({ peers: 3, viewers: 2 });
      expect((await registry.lookup('cam1', T, 10))?.stream).toMatchObject({ peers: 3, viewers: 2 });
      // The publisher's entry expires first: the viewers still count, and nothing goes below 0.
      expect((await registry.list(T + 1_500, 10))[0]).toMatchObject({ peers: 1, viewers: 1 });
      await registry.sweep(T + 1_500);
      expect((await registry.lookup('cam1', T + 1_500, 10))?.stream).toMatchObject({ peers: 1, viewers: 1 });
      await registry.leave(A, [{ host: '127.0.0.4', port: 2050 }], T + 1_600, T + 5_000);
      expect((await registry.list(T + 1_600, 10))[0]).toMatchObject({ peers: 0, viewers: 0 });
    });

    it('takes a stream out of the list at once when its last peer leaves before any chunk was announced', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ edge: 0, source: true, live: true, visibleUntil: T + 60_000 }));
      expect(await registry.list(T, 10)).toHaveLength(1);
      expect(await registry.leave(A, [{ host: '127.0.0.2', port: 2050 }], T + 10, T + 60_000)).toBe(1);
      expect(await registry.list(T + 10, 10)).toEqual([]);
      expect(await registry.counts()).toEqual({ streams: 0, peers: 0 });
      // Its name stays bound to its key, as for any stream.
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: B, live: true, ts: T + 20 })).toEqual({ result: 'name-taken', holder: A });
    });

    it('changes the live flag only when an announce carries one', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry());
      expect((await registry.list(T, 10))[0]?.live).toBe(true);
      await registry.announce(entry({ live: false }));
      expect((await registry.list(T, 10))[0]?.live).toBe(false);
    });

    it('lists visible streams with most peers first, then by name, up to the limit', async () => {
      await registry.publish({ session: SESSION, name: 'zeta', stream: A, live: true, ts: T });
      await registry.publish({ session: SESSION, name: 'beta', stream: B, live: false, ts: T });
      await registry.publish({ session: SESSION, name: 'alpha', stream: C, live: true, ts: T });
      await registry.announce(entry({ stream: A, edge: 5 }));
      await registry.announce(entry({ stream: A, host: '127.0.0.3', edge: 7 }));
      await registry.announce(entry({ stream: B, edge: 100 }));
      await registry.announce(entry({ stream: C, edge: 3 }));
      expect(await registry.list(T, 10)).toEqual([
        { name: 'zeta', stream: A, live: true, peers: 2, viewers: 2, edge: 7 },
        { name: 'alpha', stream: C, live: true, peers: 1, viewers: 1, edge: 3 },
        { name: 'beta', stream: B, live: false, peers: 1, viewers: 1, edge: 100 },
      ]);
      expect((await registry.list(T, 2)).map((s) => s.name)).toEqual(['zeta', 'alpha']);
      expect(await registry.counts()).toEqual({ streams: 3, peers: 4 });
    });

    it('keeps counts up to date as entries are announced again, leave and are swept, without walking the streams', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.publish({ session: SESSION, name: 'cam2', stream: B, live: true, ts: T });
      await registry.announce(entry());
      await registry.announce(entry({ host: '127.0.0.3', expiresAt: T + 3_000 }));
      await registry.announce(entry({ stream: B, visibleUntil: T + 9_000 }));
      expect(await registry.counts()).toEqual({ streams: 2, peers: 3 });
      await registry.announce(entry({ edge: 11, expiresAt: T + 2_000 }));
      expect(await registry.counts()).toEqual({ streams: 2, peers: 3 });
      await registry.leave(A, [{ host: '127.0.0.3', port: 2050 }], T + 10, T + 5_000);
      expect(await registry.counts()).toEqual({ streams: 2, peers: 2 });
      await registry.sweep(T + 1_000);
      expect(await registry.counts()).toEqual({ streams: 2, peers: 1 });
      await registry.sweep(T + 5_000);
      expect(await registry.counts()).toEqual({ streams: 1, peers: 0 });
    });

    it('keeps a stream with no live peers in the list until its grace period ends, and its name bound after', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry());
      expect(await registry.list(T + 4_999, 10)).toEqual([{ name: 'cam1', stream: A, live: true, peers: 0, viewers: 0, edge: 10 }]);
      expect(await registry.list(T + 5_000, 10)).toEqual([]);
      // Counts are kept as entries come and go: a stream whose grace ended counts until it is swept.
      expect(await registry.counts()).toEqual({ streams: 1, peers: 1 });
      await registry.sweep(T + 5_000);
      expect(await registry.counts()).toEqual({ streams: 0, peers: 0 });
      expect(await registry.publish({ session: SESSION, name: 'cam1', stream: B, live: true, ts: T + 6_000 })).toEqual({ result: 'name-taken', holder: A });
      expect((await registry.lookup('cam1', T + 6_000, 10))?.stream.stream).toBe(A);
    });

    it('removes an entry on leave and starts the grace period when the last one leaves', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ visibleUntil: T + 60_000 }));
      await registry.announce(entry({ host: '127.0.0.3', visibleUntil: T + 60_000 }));
      expect(await registry.leave(A, [{ host: '127.0.0.2', port: 2050 }], T + 10, T + 2_000)).toBe(1);
      expect(await registry.list(T + 30_000, 10)).toHaveLength(1);
      expect(await registry.leave(A, [{ host: '127.0.0.3', port: 2050 }], T + 10, T + 2_000)).toBe(1);
      expect((await registry.lookup('cam1', T + 20, 10))?.candidates).toEqual([]);
      expect(await registry.list(T + 1_999, 10)).toHaveLength(1);
      expect(await registry.list(T + 2_000, 10)).toEqual([]);
    });

    it('removes nothing and changes nothing on a leave for entries that do not exist', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry());
      expect(await registry.leave(A, [{ host: '127.0.0.9', port: 2050 }], T, T + 1)).toBe(0);
      expect(await registry.leave(B, [{ host: '127.0.0.2', port: 2050 }], T, T + 1)).toBe(0);
      expect(await registry.list(T + 2, 10)).toHaveLength(1);
    });

    it('sweeps expired entries and streams past their grace, each exactly once', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.publish({ session: SESSION, name: 'cam2', stream: B, live: true, ts: T });
      await registry.announce(entry());
      await registry.announce(entry({ host: '127.0.0.3', expiresAt: T + 10_000, visibleUntil: T + 15_000 }));
      await registry.announce(entry({ stream: B }));
      expect(await registry.sweep(T + 1_000)).toEqual({ peers: 2, streams: 0 });
      expect(await registry.sweep(T + 1_000)).toEqual({ peers: 0, streams: 0 });
      const [first, second] = await Promise.all([registry.sweep(T + 15_000), registry.sweep(T + 15_000)]);
      expect(first!.peers + second!.peers).toBe(1);
      expect(first!.streams + second!.streams).toBe(2);
      expect(await registry.counts()).toEqual({ streams: 0, peers: 0 });
    });

    it('returns a stream again after it was swept out once a peer announces it', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry());
      await registry.sweep(T + 5_000);
      await registry.announce(entry({ expiresAt: T + 7_000, visibleUntil: T + 9_000 }));
      expect(await registry.list(T + 6_000, 10)).toEqual([{ name: 'cam1', stream: A, live: true, peers: 1, viewers: 1, edge: 10 }]);
    });

    it('stores the newest head of the current session only, keeps it over a re-publish of that session and forgets it on another', async () => {
      expect(await registry.streamHead(A)).toBeUndefined();
      expect(await registry.recordHead(A, { session: SESSION, edge: 5, ts: T, at: T, ended: false })).toBe(false);
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      expect(await registry.streamHead(A)).toEqual({ session: SESSION, head: undefined });
      expect(await registry.recordHead(A, { session: SESSION, edge: 5, ts: T + 10, at: T + 20, ended: false })).toBe(true);
      // An older or equal head, or one of another session, changes nothing.
      expect(await registry.recordHead(A, { session: SESSION, edge: 9, ts: T + 10, at: T + 30, ended: false })).toBe(false);
      expect(await registry.recordHead(A, { session: SESSION, edge: 9, ts: T + 5, at: T + 30, ended: false })).toBe(false);
      expect(await registry.recordHead(A, { session: 'fedcba9876543210', edge: 99, ts: T + 50, at: T + 30, ended: false })).toBe(false);
      expect(await registry.streamHead(A)).toEqual({ session: SESSION, head: { edge: 5, ts: T + 10, at: T + 20, ended: false } });
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T + 1 });
      expect(await registry.streamHead(A)).toEqual({ session: SESSION, head: { edge: 5, ts: T + 10, at: T + 20, ended: false } });
      expect((await registry.lookup('cam1', T, 10))?.stream.edge).toBe(5);
      await registry.publish({ session: 'fedcba9876543210', name: 'cam1', stream: A, live: true, ts: T + 2 });
      expect(await registry.streamHead(A)).toEqual({ session: 'fedcba9876543210', head: undefined });
      expect((await registry.lookup('cam1', T, 10))?.stream.edge).toBe(0);
    });

    it('takes an end once: the stream is finished and no later head moves it', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ live: true, source: true, edge: 7 }));
      await registry.recordHead(A, { session: SESSION, edge: 7, ts: T + 10, at: T + 10, ended: false });
      expect(await registry.recordHead(A, { session: SESSION, edge: 8, ts: 0, at: T + 20, ended: true })).toBe(true);
      expect(await registry.recordHead(A, { session: SESSION, edge: 50, ts: T + 30, at: T + 30, ended: false })).toBe(false);
      expect(await registry.recordHead(A, { session: SESSION, edge: 60, ts: 0, at: T + 30, ended: true })).toBe(false);
      expect(await registry.streamHead(A)).toEqual({ session: SESSION, head: { edge: 8, ts: T + 10, at: T + 20, ended: true } });
      expect((await registry.lookup('cam1', T, 10))?.stream).toMatchObject({ live: false, edge: 8 });
    });

    it('keeps the source and the longest-announced entries among the candidates, however many fresh entries crowd the stream', async () => {
      await registry.publish({ session: SESSION, name: 'cam1', stream: A, live: true, ts: T });
      await registry.announce(entry({ host: '127.0.0.1', port: 2049, source: true, edge: 10, expiresAt: T + 60_000 }));
      for (let i = 0; i < 5; i++) await registry.announce(entry({ host: `127.0.1.${i}`, edge: 10, expiresAt: T + 60_000 }));
      // Renewals keep an entry's time announced: the old ones announce again after the flood.
      for (let i = 0; i < 200; i++) {
        await registry.announce(entry({ host: `10.0.${i >> 8}.${i & 255}`, edge: 10, announcedAt: T + 1_000 + i, expiresAt: T + 60_000 }));
      }
      for (let i = 0; i < 5; i++) await registry.announce(entry({ host: `127.0.1.${i}`, edge: 10, announcedAt: T + 5_000, expiresAt: T + 60_000 }));
      const found = await registry.lookup('cam1', T + 5_000, 20);
      expect(found?.candidates.length).toBeLessThanOrEqual(20);
      expect(found?.candidates).toEqual(
        expect.arrayContaining([
          { host: '127.0.0.1', port: 2049, edge: 10, source: true, since: T },
          ...Array.from({ length: 5 }, (_, i) => ({ host: `127.0.1.${i}`, port: 2050, edge: 10, source: false, since: T })),
        ]),
      );
      // 211 announces: over vitest's 5 s default against a real Redis on a loaded machine.
    }, 30_000);

    it('bounds look-up candidates and keeps the entries with the highest edges among them', async () => {
      await registry.publish({ session: SESSION, name: 'big', stream: A, live: true, ts: T });
      for (let i = 0; i < 40; i++) await registry.announce(entry({ host: `127.0.1.${i}`, edge: i }));
      const found = await registry.lookup('big', T, 10);
      expect(found?.stream.peers).toBe(40);
      const distinct = new Set(found!.candidates.map((c) => c.host));
      expect(distinct.size).toBeGreaterThanOrEqual(5);
      expect(found!.candidates.length).toBeLessThanOrEqual(10);
      expect(found!.candidates.map((c) => c.edge)).toEqual(expect.arrayContaining([39, 38, 37, 36, 35]));
    });
  });
}
