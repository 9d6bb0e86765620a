import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateStreamKey, newSession, signPublish, type StreamKey } from '@p2pstream/data';
import { ManualClock } from '@p2pstream/units';
import { RedisRegistry } from '../src/redis-registry.js';
import { Tracker, TrackerSession, type TrackerOptions } from '../src/tracker.js';

/**
 * Two centrals (two Trackers, each with its own connection) on one Redis or
 * Redis Cluster: the per-IP limits are one set, whichever central a peer asks.
 */
export function describeSharedAddressLimits(label: string, url: () => string): void {
  describe(`per-IP limits shared by two centrals on one ${label}`, () => {
    const opened: RedisRegistry[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((registry) => registry.close()));
    });

    /** Centrals A and B on one prefix, one (manual) clock: no bucket refills during a test. */
    const twoCentrals = async (policy: Omit<TrackerOptions, 'registry' | 'clock'>) => {
      const prefix = `t-${randomUUID()}:`;
      const clock = new ManualClock(Date.now());
      const [a, b] = await Promise.all([0, 1].map(() => RedisRegistry.connect({ url: url(), prefix })));
      opened.push(a!, b!);
      return { clock, a: new Tracker({ ...policy, registry: a!, clock }), b: new Tracker({ ...policy, registry: b!, clock }) };
    };
    const publish = (tracker: Tracker, clock: ManualClock, session: TrackerSession, key: StreamKey, name: string) => {
      const ses = newSession();
      const ts = clock.now();
      return tracker.publish(session, { t: 'publish', id: 1, name, key: key.publicKey, ts, live: true, session: ses, sig: signPublish(key, name, ts, ses) });
    };
    const announce = (tracker: Tracker, host: string, stream: string) =>
      tracker.announce(new TrackerSession(host), { t: 'announce', id: 2, stream, port: 2050, edge: 1, live: true });

    it('limits at central B an address that used up its announces at central A', async () => {
      const { clock, a, b } = await twoCentrals({ announceRate: 1, announceBurst: 3 });
      const key = generateStreamKey();
      await publish(a, clock, new TrackerSession('127.0.0.1'), key, 'cam1');
      for (let i = 0; i < 3; i++) await expect(announce(a, '127.0.0.7', key.streamId)).resolves.toMatchObject({ t: 'announced' });
      await expect(announce(b, '127.0.0.7', key.streamId)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(announce(a, '127.0.0.7', key.streamId)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      // Another address is served at B, and the limited one again once a token has refilled.
      await expect(announce(b, '127.0.0.8', key.streamId)).resolves.toMatchObject({ t: 'announced' });
      clock.advance(1_000);
      await expect(announce(b, '127.0.0.7', key.streamId)).resolves.toMatchObject({ t: 'announced' });
      expect(b.counters.refused).toEqual({ RATE_LIMITED: 1 });
    });

    it("checks a connection's renewals in its own central, and counts their stream in the quota again every half window", async () => {
      const window = 60_000;
      const { clock, a, b } = await twoCentrals({ announceRate: 1, announceBurst: 2, maxStreamsPerIp: 1, streamQuotaWindow: window, interval: 10_000, ttl: 30_000 });
      const [kept, other] = [generateStreamKey(), generateStreamKey()];
      await publish(a, clock, new TrackerSession('127.0.1.1'), kept, 'kept');
      await publish(a, clock, new TrackerSession('127.0.1.2'), other, 'other');
      const viewer = new TrackerSession('127.0.0.7');
      const renew = () => a.announce(viewer, { t: 'announce', id: 2, stream: kept.streamId, port: 2050, edge: 1, live: true });
      await renew();
      // Renewals on the connection take A's own tokens (a burst of two): the shared bucket still has one for B...
      await renew();
      await renew();
      await expect(renew()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(announce(b, '127.0.0.7', kept.streamId)).resolves.toMatchObject({ t: 'announced' });
      await expect(announce(b, '127.0.0.7', kept.streamId)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      // ...and the renewed stream stays counted past the window, so the address gets no second stream at B.
      for (let t = 0; t < 4; t++) {
        clock.advance(window / 4);
        await renew();
      }
      await expect(announce(b, '127.0.0.7', other.streamId)).rejects.toMatchObject({ code: 'TOO_MANY_STREAMS' });
    });

    it('counts the streams an address announced at central A against its quota at central B', async () => {
      const { clock, a, b } = await twoCentrals({ maxStreamsPerIp: 2 });
      const keys = [generateStreamKey(), generateStreamKey(), generateStreamKey()];
      for (const [i, key] of keys.entries()) await publish(a, clock, new TrackerSession(`127.0.1.${i}`), key, `cam${i}`);
      await announce(a, '127.0.0.7', keys[0]!.streamId);
      await announce(a, '127.0.0.7', keys[1]!.streamId);
      await expect(announce(b, '127.0.0.7', keys[2]!.streamId)).rejects.toMatchObject({ code: 'TOO_MANY_STREAMS' });
      await expect(announce(b, '127.0.0.7', keys[0]!.streamId)).resolves.toMatchObject({ t: 'announced' });
    });
  });
}
