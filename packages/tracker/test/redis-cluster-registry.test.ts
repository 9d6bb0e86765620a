import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../../tools/testing/index.js';
import { RedisRegistry } from '../src/redis-registry.js';
import { describeRegistryContract } from './registry-conformance.js';
import { describeAddressLimitsContract } from './address-limits-conformance.js';
import { describeSharedAddressLimits } from './shared-address-limits.js';

// A real three-master Redis Cluster: a script that touched a key it did not
// declare, or keys in two slots, fails here (CROSSSLOT / non-local key).
let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

describeRegistryContract('redis cluster', () => RedisRegistry.connect({ url: cluster.url, prefix: `t-${randomUUID()}:`, sweepGap: 0 }));

describeAddressLimitsContract('redis cluster', async (policy, clock) => {
  const registry = await RedisRegistry.connect({ url: cluster.url, prefix: `t-${randomUUID()}:` });
  return { limits: registry.addressLimits(policy, clock), close: () => registry.close() };
});
describeSharedAddressLimits('redis cluster', () => cluster.url);

describe('RedisRegistry on a Redis Cluster', () => {
  const T = 1_700_000_000_000;
  const SESSION = '0123456789abcdef';
  const opened: RedisRegistry[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((registry) => registry.close()));
  });

  it('spreads streams over the masters and shares them between two centrals', async () => {
    const prefix = `t-${randomUUID()}:`;
    const one = await RedisRegistry.connect({ url: cluster.url, prefix });
    const two = await RedisRegistry.connect({ url: cluster.url, prefix });
    opened.push(one, two);
    const ids = Array.from({ length: 12 }, (_, i) => i.toString(16).repeat(64));
    for (const [i, id] of ids.entries()) {
      expect(await one.publish({ session: SESSION, name: `cam${i}`, stream: id, live: true, ts: T })).toEqual({ result: 'published' });
      expect(await two.announce({ stream: id, host: '127.0.0.2', port: 2050 + i, edge: i, announcedAt: T, expiresAt: T + 1_000, visibleUntil: T + 2_000 })).toBe(true);
    }
    // Each stream's keys sit together on one master, and the streams are spread over the masters.
    const keysByMaster = cluster.ports.map((port) =>
      spawnSync('redis-cli', ['-p', String(port), '--scan', '--pattern', `${prefix}{*}:*`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean),
    );
    expect(keysByMaster.filter((keys) => keys.some((key) => !key.includes('{index}'))).length).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect(keysByMaster.filter((keys) => keys.some((key) => key.includes(id))).length).toBe(1);
    expect((await one.lookup('cam7', T, 10))?.candidates).toEqual([{ host: '127.0.0.2', port: 2057, edge: 7, source: false, since: T }]);
    expect(await one.counts()).toEqual({ streams: 12, peers: 12 });
    expect(await two.list(T, 100)).toHaveLength(12);
    const sweeps = await Promise.all([one.sweep(T + 2_000), two.sweep(T + 2_000)]);
    expect(sweeps.reduce((sum, s) => sum + s.streams, 0)).toBe(12);
    expect(await two.counts()).toEqual({ streams: 0, peers: 0 });
  });

  it('parses a cluster URL and refuses one without host:port', async () => {
    await expect(RedisRegistry.connect({ url: 'redis+cluster://127.0.0.1' })).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
  });
});
