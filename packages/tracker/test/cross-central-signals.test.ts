import { randomUUID } from 'node:crypto';
import { dial, type Connection, type Handlers } from '@p2pstream/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, startRedisServer, type RedisCluster, type RedisServer } from '../../../tools/testing/index.js';
import { RedisRegistry } from '../src/redis-registry.js';
import type { RunningTracker, StartTrackerOptions } from '../src/index.js';
import { loopbackTrackers } from './loopback-trackers.js';
import { inbox, json, publish, refusalOf } from './signal-peers.js';

// Two centrals on one real Redis (and on a real three-master cluster): a signal for an entry
// announced to the other central reaches it through Redis's sharded pub/sub.
const { opened, start } = loopbackTrackers();
let redis: RedisServer;
let cluster: RedisCluster;
beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

async function peer(running: RunningTracker, localAddress: string, handlers: Handlers = {}): Promise<Connection> {
  const connection = await dial('127.0.0.1', running.port, { role: 'peer', localAddress, handlers });
  opened.push(connection);
  return connection;
}

/** Two centrals on the registry at `url`; a publisher entry (taking signals) at the first, a viewer entry at the second. */
async function twoCentrals(url: string, options: { viewerTakesSignals?: boolean; signals?: StartTrackerOptions['signals'] } = {}) {
  const prefix = `t-${randomUUID()}:`;
  const [one, two] = await Promise.all(
    [0, 1].map(async () => start({ registry: await RedisRegistry.connect({ url, prefix }), ...(options.signals ? { signals: options.signals } : {}) })),
  );
  const publisherInbox = inbox();
  const viewerInbox = inbox();
  const publisher = await peer(one!, '127.0.0.2', publisherInbox.handlers);
  const key = await publish(publisher);
  await publisher.request({ t: 'announce', stream: key.streamId, port: 2050, edge: 0, live: true, signals: true });
  const viewer = await peer(two!, '127.0.0.3', viewerInbox.handlers);
  await viewer.request({ t: 'announce', stream: key.streamId, port: 40_001, edge: 0, live: true, signals: options.viewerTakesSignals ?? true });
  return { one: one!, two: two!, key, publisher, viewer, publisherInbox, viewerInbox };
}

describe.each([
  ['one Redis', () => redis.url],
  ['a Redis Cluster', () => cluster.url],
])('signals between entries announced to two centrals on %s', (_, url) => {
  it('relays an offer to the entry at the other central and its answer back, naming the sender entry', async () => {
    const { one, two, key, publisher, viewer, publisherInbox, viewerInbox } = await twoCentrals(url());
    const offer = json({ type: 'offer', sdp: 'v=0' });
    const offerArrives = publisherInbox.next();
    expect(await viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: offer })).toMatchObject({ t: 'ok' });
    expect(await offerArrives).toEqual({ t: 'signaled', stream: key.streamId, host: '127.0.0.3', port: 40_001, data: offer });

    const answer = json({ type: 'answer', sdp: 'v=0' });
    const answerArrives = viewerInbox.next();
    expect(await publisher.request({ t: 'signal', stream: key.streamId, host: '127.0.0.3', port: 40_001, data: answer })).toMatchObject({ t: 'ok' });
    expect(await answerArrives).toEqual({ t: 'signaled', stream: key.streamId, host: '127.0.0.2', port: 2050, data: answer });
    expect(two.signals.counters).toMatchObject({ relayed: 1, relayedAcross: 1, receivedAcross: 1 });
    expect(one.signals.counters).toMatchObject({ relayed: 1, relayedAcross: 1, receivedAcross: 1 });
  });
});

describe('signals across centrals refused', () => {
  it('refuses SIGNALS_NOT_ACCEPTED for an entry at the other central that takes no signals', async () => {
    const { key, publisher, viewerInbox } = await twoCentrals(redis.url, { viewerTakesSignals: false });
    expect(await refusalOf(publisher.request({ t: 'signal', stream: key.streamId, host: '127.0.0.3', port: 40_001, data: json({}) }))).toBe('SIGNALS_NOT_ACCEPTED');
    expect(viewerInbox.received).toEqual([]);
  });

  it('refuses SIGNAL_TARGET_GONE when no central answers for the entry within the reply timeout', async () => {
    const { key, viewer, two } = await twoCentrals(redis.url, { signals: { replyTimeoutMs: 300 } });
    expect(await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.9', port: 2050, data: json({}) }))).toBe('SIGNAL_TARGET_GONE');
    expect(two.signals.counters.refused).toEqual({ SIGNAL_TARGET_GONE: 1 });
  });

  it('relays across again once Redis is back after an outage, without the entries announcing again', async () => {
    let own = await startRedisServer();
    const port = own.port;
    try {
      const { key, viewer, publisherInbox } = await twoCentrals(own.url, { signals: { replyTimeoutMs: 300 } });
      await own.stop();
      own = await startRedisServer({ port });
      const offer = json({ type: 'offer', sdp: 'v=0' });
      // The centrals' connections to Redis come back on their own time, and with them their subscriptions.
      let answer = 'not tried';
      for (let attempt = 0; attempt < 40 && answer !== 'ACCEPTED'; attempt++) {
        answer = await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: offer }));
        if (answer !== 'ACCEPTED') await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(answer).toBe('ACCEPTED');
      expect(publisherInbox.received.at(-1)).toMatchObject({ host: '127.0.0.3', port: 40_001, data: offer });
    } finally {
      await own.stop();
    }
  });

  it('stops relaying to an entry once its connection to the other central closes', async () => {
    const { key, publisher, viewer } = await twoCentrals(redis.url, { signals: { replyTimeoutMs: 300 } });
    await publisher.close();
    expect(await refusalOf(viewer.request({ t: 'signal', stream: key.streamId, host: '127.0.0.2', port: 2050, data: json({}) }))).toBe('SIGNAL_TARGET_GONE');
  });
});
