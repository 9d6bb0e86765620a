/**
 * Fills a Redis registry with many streams and entries through `RedisRegistry`, as fast as
 * one process can: the background that `--idle` and `--background-streams` measure against.
 * Each stream is published (`fill-<i>`), each entry announced from its own address with an
 * expiry an hour away, so nothing falls due during a run.
 */
import { RedisRegistry, type AnnounceRecord } from '@p2pstream/tracker';

export interface FilledRegistry {
  /** The names the streams were published under, in order. */
  names: string[];
  /** The stream ids, in the same order. */
  ids: string[];
  streams: number;
  entries: number;
  seconds: number;
}

/** Requests in flight while filling. */
const FILL_CONCURRENCY = 256;

export async function fillRegistry(url: string, streams: number, entries: number): Promise<FilledRegistry> {
  if (!(streams >= 1 && entries >= streams)) throw new RangeError('filling a registry needs streams ≥ 1 and entries ≥ streams');
  const registry = await RedisRegistry.connect({ url, commandTimeout: 60_000 });
  try {
    const started = performance.now();
    const now = Date.now();
    const ids = Array.from({ length: streams }, (_, i) => i.toString(16).padStart(64, '0'));
    const names = ids.map((_, i) => `fill-${i}`);
    await inBatches(streams, (i) => registry.publish({ name: names[i]!, stream: ids[i]!, live: true, ts: now, session: '0123456789abcdef' }));
    await inBatches(entries, (e) => registry.announce(filledEntry(ids, e, now, 1)));
    const counts = await registry.counts();
    return { names, ids, streams: counts.streams, entries: counts.peers, seconds: (performance.now() - started) / 1000 };
  } finally {
    await registry.close();
  }
}

/** Entry `e` of a filled registry announced at `now` (again, to renew it): stream e mod streams, an address of its own. */
export function filledEntry(ids: readonly string[], e: number, now: number, edge: number): AnnounceRecord {
  return {
    stream: ids[e % ids.length]!,
    // A distinct address per entry: 10.x.y.z, port 2050.
    host: `10.${(e >> 16) & 255}.${(e >> 8) & 255}.${e & 255}`,
    port: 2050 + Math.floor(e / 16_777_216),
    edge,
    announcedAt: now,
    expiresAt: now + 3_600_000,
    visibleUntil: now + 3_600_000,
  };
}

/** Runs `task(0..count-1)` with FILL_CONCURRENCY in flight. */
async function inBatches(count: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(FILL_CONCURRENCY, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
