import { createServer, type Server } from 'node:http';
import { listenHttp, type ListeningHttpServer } from '@p2pstream/metrics';
import type { Registry } from '@p2pstream/tracker';
import { MAX_LIST_STREAMS, MAX_LOOKUP_PEERS } from '@p2pstream/wire';
import type { HostPort } from '@p2pstream/units';
import type { CentralStats } from './stats.js';
import { statsDocument, statusPage, type StreamStatus } from './status-page.js';
import type { WatchAssets } from './watch-assets.js';
import { watchPage, WATCH_PAGE_POLICY, type WatchPageConfig } from './watch-page.js';

/** Sent with every answer: the numbers are live, and nothing is sniffed or framed. */
const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' } as const;

/** Streams whose peers one request of the page lists (each is a registry look-up); the rest show counts only. */
export const DEFAULT_STATUS_PEER_LISTS = 20;

export interface StatusServerOptions extends HostPort {
  readonly registry: Registry;
  /** The latest reading (central takes one every second). */
  latest(): CentralStats;
  /** Wall clock. */
  now(): number;
  /**
   * Streams whose peers one request lists, most-watched first (each costs a registry look-up of up to 50 peers).
   * @default 20
   */
  readonly peerLists?: number;
  /** With `--ws`: watch pages at `/watch/NAME`, and what they load at `/assets/…`. */
  readonly watch?: { readonly page: WatchPageConfig; readonly assets: WatchAssets };
}

const WATCH_PREFIX = '/watch/';

/**
 * Serves the status page at `/` and the JSON at `/stats.json`: totals, rates, streams, and the
 * peers of the most-watched streams; with `watch`, each stream's watch page at `/watch/NAME`.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<ListeningHttpServer> {
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://central').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('only GET and HEAD\n');
      return;
    }
    const watch = options.watch;
    if (watch && watch.assets.serve(path, request, response, HEADERS)) return;
    if (watch && path.startsWith(WATCH_PREFIX) && path.length > WATCH_PREFIX.length) {
      let name: string | undefined;
      try {
        name = decodeURIComponent(path.slice(WATCH_PREFIX.length));
      } catch {
        name = undefined;
      }
      if (name === undefined) {
        response.writeHead(400, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('a stream name in /watch/NAME is percent-encoded UTF-8\n');
        return;
      }
      const body = watchPage(name, watch.page);
      response.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': WATCH_PAGE_POLICY });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path !== '/' && path !== '/stats.json') {
      const hint = watch ? 'try /, /stats.json or /watch/NAME' : 'try / or /stats.json';
      response.writeHead(404, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${hint}\n`);
      return;
    }
    // Rates come from the latest once-a-second reading; streams and peers are read now.
    let stats = options.latest();
    let streams: StreamStatus[] = [];
    try {
      const now = options.now();
      [streams, stats] = await Promise.all([
        streamsWithPeers(options.registry, now, options.peerLists ?? DEFAULT_STATUS_PEER_LISTS),
        options.registry.counts().then((counts) => ({ ...stats, ...counts, registryAvailable: true })),
      ]);
    } catch {
      stats = { ...stats, registryAvailable: false };
    }
    if (path === '/') response.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(statusPage(stats, streams, { watchPages: watch !== undefined }));
    else response.writeHead(200, { ...HEADERS, 'content-type': 'application/json' }).end(statsDocument(stats, streams));
  });
  return listenHttp(server, { host: options.host, port: options.port, flag: '--http' });
}

/** `list`, with the peers of the first `limit` streams (the most-watched) looked up. */
async function streamsWithPeers(registry: Registry, now: number, limit: number): Promise<StreamStatus[]> {
  const streams = await registry.list(now, MAX_LIST_STREAMS);
  return Promise.all(
    streams.map(async (stream, i): Promise<StreamStatus> => {
      if (i >= limit) return stream;
      const found = await registry.lookup(stream.name, now, MAX_LOOKUP_PEERS);
      if (!found || found.stream.stream !== stream.stream) return stream;
      const peerList = found.candidates
        .map(({ host, port, edge }) => ({ host, port, edge }))
        .sort((a, b) => b.edge - a.edge || (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
      return { ...stream, peerList };
    }),
  );
}
