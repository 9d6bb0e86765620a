import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpListenError, listenHttp } from '@p2pstream/metrics';
import { WebAssets } from './http-assets.js';
import { CLOSE_GRACE_MS, EVENTS_PATH, HLS_PLAYLIST_PATH, STATS_PATH, STREAM_PATH } from './http-constants.js';
import { EventStream, type EventStreamOptions } from './http-events.js';
import { HttpOutput, type HttpOutputOptions } from './http-output.js';
import { sendJson, sendText } from './http-reply.js';
import type { SwarmReport } from './swarm-report.js';
import { UserError } from './usage-error.js';

export type PeerHttpServerOptions = HttpOutputOptions & EventStreamOptions;

/**
 * `watch --http`: the web page at `/` (a player and the swarm panel), the raw
 * stream at `/stream.ts`, HLS at `/live.m3u8`, the swarm report once a second as Server-Sent Events
 * at `/events` and as JSON at `/stats.json`. Only GET and HEAD, only these
 * paths; everything it holds for a browser is bounded and let go when the
 * browser goes away.
 */
export class PeerHttpServer {
  readonly host: string;
  readonly port: number;
  /** The players of `/stream.ts`: the sink play-out writes to. */
  readonly output: HttpOutput;
  readonly #server: Server;
  readonly #assets: WebAssets;
  readonly #events: EventStream;
  #report: SwarmReport | undefined;
  #closing: Promise<void> | undefined;

  private constructor(server: Server, assets: WebAssets, options: PeerHttpServerOptions) {
    this.#server = server;
    this.#assets = assets;
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the HTTP server has no address');
    this.host = address.address;
    this.port = address.port;
    this.output = new HttpOutput(options);
    this.#events = new EventStream(options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.#onRequest(request, response));
  }

  static async listen(host: string, port: number, options: PeerHttpServerOptions = {}): Promise<PeerHttpServer> {
    const assets = await WebAssets.load();
    const server = createServer();
    await listenHttp(server, { host, port, flag: '--http' }).catch((error: unknown) => {
      // The message names --http and what to do; as a UserError it is shown as it is.
      throw error instanceof HttpListenError ? new UserError(error.message, '', { cause: error }) : error;
    });
    return new PeerHttpServer(server, assets, options);
  }

  /** The page, for a browser. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.port}/`;
  }

  /** The raw stream, for VLC or mpv. */
  get streamUrl(): string {
    return new URL(STREAM_PATH, this.url).href;
  }

  /** The HLS playlist, for Safari, hls.js, smart TVs and `ffmpeg -i`. */
  get hlsUrl(): string {
    return new URL(HLS_PLAYLIST_PATH, this.url).href;
  }

  /** Players on `/stream.ts` now. */
  get clients(): number {
    return this.output.clients;
  }

  /** Pages following `/events` now. */
  get eventClients(): number {
    return this.#events.clients;
  }

  /** The newest swarm report: sent to every page following `/events`, and served at `/stats.json` until the next. */
  report(report: SwarmReport): void {
    this.#report = report;
    this.#events.send(JSON.stringify(report));
  }

  /** Ends every player and page, stops listening; connections still open after a grace period are cut. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.output.close();
      this.#events.close();
      this.#server.closeIdleConnections();
      const timer = setTimeout(() => this.#server.closeAllConnections(), CLOSE_GRACE_MS);
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#closing;
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, `${request.method} is not allowed here: only GET and HEAD\n`, { allow: 'GET, HEAD' });
      return;
    }
    const path = (request.url ?? '/').split('?')[0]!;
    if (path === STREAM_PATH) this.output.accept(request, response);
    else if (path === EVENTS_PATH) this.#events.accept(request, response);
    else if (path === STATS_PATH) {
      if (this.#report) sendJson(response, 200, this.#report);
      else sendJson(response, 503, { error: 'the peer is starting; try again in a second' }, { 'retry-after': '1' });
    } else if (!this.output.hls.serve(path, request, response) && !this.#assets.serve(path, request, response)) {
      sendText(response, 404, `not found: the page is at /, the stream at ${STREAM_PATH} and ${HLS_PLAYLIST_PATH}, the numbers at ${STATS_PATH}\n`);
    }
  }
}
