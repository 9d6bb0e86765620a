import { createServer, type Server } from 'node:http';
import type { HostPort } from '@p2pstream/units';
import { listenHttp, type ListeningHttpServer } from './http-listen.js';

/** The one path the metrics are served at. */
export const METRICS_PATH = '/metrics';

export interface MetricsServerOptions extends HostPort {
  /** What is served at each scrape (a `CentralMetrics`). */
  readonly source: { readonly contentType: string; metrics(): Promise<string> };
}

/** Serves Prometheus text at `/metrics` (`--metrics`); anything but GET or HEAD is 405, any other path 404. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<ListeningHttpServer> {
  const { source } = options;
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (new URL(request.url ?? '/', 'http://central').pathname !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: the metrics are at ${METRICS_PATH}\n`);
      return;
    }
    source.metrics().then(
      (text) => response.writeHead(200, { 'content-type': source.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect the metrics: ${(error as Error).message}\n`),
    );
  });
  return listenHttp(server, options.host, options.port, '--metrics');
}
