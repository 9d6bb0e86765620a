import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_LIST_STREAMS } from '@p2pstream/wire';
import type { HostPort } from './cli.js';
import { CentralStartError } from './errors.js';
import type { Registry, StreamSummary } from './registry.js';
import type { CentralStats } from './stats.js';
import { statsDocument, statusPage } from './status-page.js';

export interface StatusServerOptions extends HostPort {
  readonly registry: Registry;
  /** The latest reading (central takes one every second). */
  latest(): CentralStats;
  /** Wall clock. */
  now(): number;
}

/** Serves the status page at `/` and the JSON at `/stats.json`. */
export async function startStatusServer(options: StatusServerOptions): Promise<{ address: AddressInfo; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://central').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/' && path !== '/stats.json') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try / or /stats.json\n');
      return;
    }
    // Rates come from the latest once-a-second reading; streams and peers are read now.
    let stats = options.latest();
    let streams: StreamSummary[] = [];
    try {
      const now = options.now();
      [streams, stats] = await Promise.all([
        options.registry.list(now, MAX_LIST_STREAMS),
        options.registry.counts(now).then((counts) => ({ ...stats, ...counts, registryAvailable: true })),
      ]);
    } catch {
      stats = { ...stats, registryAvailable: false };
    }
    if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(statusPage(stats, streams));
    else response.writeHead(200, { 'content-type': 'application/json' }).end(statsDocument(stats, streams));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      reject(
        error.code === 'EADDRINUSE'
          ? new CentralStartError('ADDRESS_IN_USE', `--http ${where} is already in use — choose another port with --http HOST:PORT`, { cause: error })
          : new CentralStartError('LISTEN_FAILED', `--http ${where}: cannot listen (${error.message})`, { cause: error }),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
