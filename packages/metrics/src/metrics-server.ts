import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenHttp } from './listen-http.js';

/** The one path the metrics are served at. */
export const METRICS_PATH = '/metrics';

/** What the server asks for at each scrape: a prom-client `Registry` fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  source: MetricsSource;
  /**
   * The command-line flag that chose `host:port`, named when the port is in use.
   * @default '--metrics'
   */
  flag?: string;
}

export interface MetricsServer {
  readonly address: AddressInfo;
  /** `http://HOST:PORT/metrics`, to print for the user. */
  readonly url: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Serves `source` at `http://HOST:PORT/metrics` for Prometheus. GET and HEAD
 * only (anything else is 405 with `Allow`), any other path is 404 saying where
 * the metrics are, and a source that fails is 500 with its message. A port in
 * use is an `HttpListenError` (`ADDRESS_IN_USE`) naming the flag.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { source } = options;
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (new URL(request.url ?? '/', 'http://metrics').pathname !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: the metrics are at ${METRICS_PATH}\n`);
      return;
    }
    source.metrics().then(
      (text) => response.writeHead(200, { 'content-type': source.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) =>
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`cannot collect the metrics: ${(error as Error).message}\n`),
    );
  });
  const listening = await listenHttp(server, { host: options.host, port: options.port, flag: options.flag ?? '--metrics' });
  return { address: listening.address, url: `${listening.origin}${METRICS_PATH}`, close: listening.close };
}
