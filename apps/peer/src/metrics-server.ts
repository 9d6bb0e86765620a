import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from './usage-error.js';

/** The one path the metrics are served at. */
export const METRICS_PATH = '/metrics';

/** What the server asks for at each scrape (a `PeerMetrics`). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  readonly address: AddressInfo;
  /** `http://HOST:PORT/metrics`, to print for the user. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `source` at `http://HOST:PORT/metrics` for Prometheus (`--metrics`).
 * Anything but GET or HEAD is 405, any other path 404. A port in use is a
 * UserError saying which flag to change.
 */
export async function startMetricsServer(host: string, port: number, source: MetricsSource): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (new URL(request.url ?? '/', 'http://peer').pathname !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found; the metrics are at ${METRICS_PATH}\n`);
      return;
    }
    source.metrics().then(
      (text) => response.writeHead(200, { 'content-type': source.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`cannot collect the metrics: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use — choose another with --metrics HOST:PORT' : error.message;
      reject(new UserError(`cannot serve metrics on ${host}:${port}: ${why}`, '', { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    address,
    url: `http://${shown}:${address.port}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
