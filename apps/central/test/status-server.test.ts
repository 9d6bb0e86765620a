import { MemoryRegistry } from '@p2pstream/tracker';
import { afterEach, describe, expect, it } from 'vitest';
import type { CentralStats } from '../src/stats.js';
import { streamFingerprint as fingerprint } from '@p2pstream/data';
import { statusPage } from '../src/status-page.js';
import { startStatusServer } from '../src/status-server.js';
import { sampleStats } from './sample-stats.js';

const T = 1_700_000_000_000;
const CAM = 'c0ffee0123456789'.repeat(4);
const FILM = 'f11e'.repeat(16);

const reading: CentralStats = sampleStats({
  time: new Date(T).toISOString(),
  uptimeSeconds: 5,
  connections: 2,
  streams: 0,
  peers: 0,
  perSecond: { announces: 1, lookups: 0.5, publishes: 0, lists: 0, leaves: 0 },
  totals: { publish: 2, announce: 5, lookup: 3, list: 0, leave: 0, restored: 0, refused: {} },
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Central's registry with `cam1` (three peers) and `film` (one), and the status server over it. */
async function start(options: { peerLists?: number } = {}) {
  const registry = new MemoryRegistry();
  closers.push(() => registry.close());
  await registry.publish({ name: 'cam1', stream: CAM, live: true, ts: T, session: '0123456789abcdef' });
  await registry.publish({ name: 'film', stream: FILM, live: false, ts: T, session: '0123456789abcdef' });
  const announce = (stream: string, host: string, edge: number) =>
    registry.announce({ stream, host, port: 2050, edge, announcedAt: T, expiresAt: T + 60_000, visibleUntil: T + 60_000 });
  await announce(CAM, '127.0.0.2', 40);
  await announce(CAM, '127.0.0.3', 38);
  await announce(CAM, '127.0.0.4', 39);
  await announce(FILM, '127.0.0.9', 120);
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, registry, latest: () => reading, now: () => T, ...options });
  closers.push(() => server.close());
  const url = (path: string) => `http://127.0.0.1:${server.address.port}${path}`;
  return { url };
}

describe('central’s status page', () => {
  it('lists each stream with its state, peers, live edge and key fingerprint, and its peers newest edge first', async () => {
    const { url } = await start();
    const response = await fetch(url('/'));
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<td>cam1</td><td>live</td><td class="n">3</td><td class="n">40</td>');
    expect(html).toContain(`<code title="${CAM}">c0ff ee01 2345 6789</code>`);
    const cam = html.slice(html.indexOf('<section class="stream" data-stream="cam1">'), html.indexOf('</section>', html.indexOf('data-stream="cam1"')));
    expect([...cam.matchAll(/<tr class="peer"><td>([^<]+)<\/td><td class="n">(\d+)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      '127.0.0.2:2050 40',
      '127.0.0.4:2050 39',
      '127.0.0.3:2050 38',
    ]);
    expect(html).toContain('<section class="stream" data-stream="film">');
    expect(html).toContain('<span class="badge">finished</span>');
  });

  it('tells how to open a stream in a local peer’s player, and links to it', async () => {
    const { url } = await start();
    const html = await (await fetch(url('/'))).text();
    expect(html).toContain('npx nx run peer:serve -- watch cam1 --http 127.0.0.1:8080');
    expect(html).toContain('<a href="http://127.0.0.1:8080/">');
  });

  it('refreshes itself every 2 s with a script, and every 5 s without', async () => {
    const { url } = await start();
    const html = await (await fetch(url('/'))).text();
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="5"></noscript>');
    expect(html).toMatch(/setTimeout\(refresh, 2000\)/);
    expect(html).toContain('<div id="live">');
  });

  it('serves the streams with fingerprints and peers at /stats.json', async () => {
    const { url } = await start();
    const document = (await (await fetch(url('/stats.json'))).json()) as { streams: number; peers: number; streamList: unknown[] };
    expect(document).toMatchObject({ streams: 2, peers: 4, registryAvailable: true });
    expect(document.streamList).toEqual([
      expect.objectContaining({ name: 'cam1', fingerprint: 'c0ff ee01 2345 6789', peerList: expect.arrayContaining([{ host: '127.0.0.3', port: 2050, edge: 38 }]) }),
      expect.objectContaining({ name: 'film', live: false, peerList: [{ host: '127.0.0.9', port: 2050, edge: 120 }] }),
    ]);
  });

  it('looks up the peers of only as many streams as it is allowed, most-watched first', async () => {
    const { url } = await start({ peerLists: 1 });
    const document = (await (await fetch(url('/stats.json'))).json()) as { streamList: Array<{ name: string; peerList?: unknown[] }> };
    expect(document.streamList.map((s) => [s.name, s.peerList?.length])).toEqual([
      ['cam1', 3],
      ['film', undefined],
    ]);
    expect(await (await fetch(url('/'))).text()).toContain('1 peers (not listed: too many streams to look up for one page)');
  });

  it('answers 404 off its two paths and 405 to anything but GET and HEAD', async () => {
    const { url } = await start();
    expect((await fetch(url('/nothing'))).status).toBe(404);
    const post = await fetch(url('/'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('statusPage', () => {
  it('escapes names and ids it shows', () => {
    const html = statusPage(reading, [{ name: '<b>', stream: '"x"', live: true, peers: 0, viewers: 0, edge: 0, peerList: [] }]);
    expect(html).not.toContain('<b>');
    expect(html).toContain('data-stream="&#60;b&#62;"');
    expect(html).toContain('No peer carries it right now.');
  });

  it('groups the first 16 hex digits of the key in fours', () => {
    expect(fingerprint(CAM)).toBe('c0ff ee01 2345 6789');
  });
});
