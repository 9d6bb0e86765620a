import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TS_PACKET_BYTES, TS_SYNC_BYTE } from '@p2pstream/data';
import type { Sink } from '@p2pstream/peer-client';
import { UserError } from './usage-error.js';

/** The one path the stream is served at. */
export const STREAM_PATH = '/stream.ts';

export interface HttpOutputOptions {
  /**
   * Players served at once; more get 503.
   * @default 64
   */
  maxClients?: number;
  /**
   * Live: a player this many bytes behind is disconnected (it stopped reading).
   * @default 8 MiB
   */
  maxClientBufferBytes?: number;
}

interface Client {
  readonly response: ServerResponse;
  /** Waiting for a packet boundary to start at. */
  started: boolean;
}

/**
 * Serves the stream being played at `http://HOST:PORT/stream.ts` as MPEG-TS to
 * any number of players at once. A player that connects mid-stream starts at
 * the next packet boundary; one that goes away costs nothing. Live: nobody is
 * waited for, and a player that stops reading is dropped. Finished: each write
 * waits until at least one player is connected and every player has taken it.
 */
export class HttpOutput implements Sink {
  readonly host: string;
  readonly port: number;
  /** Live streams never wait for a player. Set once the stream is known. */
  live = true;
  readonly #server: Server;
  readonly #clients = new Set<Client>();
  readonly #maxClients: number;
  readonly #maxClientBufferBytes: number;
  #waitingForClient: Array<() => void> = [];

  private constructor(server: Server, options: HttpOutputOptions) {
    this.#server = server;
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the HTTP server has no address');
    this.host = address.address;
    this.port = address.port;
    this.#maxClients = options.maxClients ?? 64;
    this.#maxClientBufferBytes = options.maxClientBufferBytes ?? 8 * 1024 * 1024;
    server.on('request', (request, response) => this.#onRequest(request, response));
  }

  static async listen(host: string, port: number, options: HttpOutputOptions = {}): Promise<HttpOutput> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new UserError(`cannot serve HTTP on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use — choose another with --http' : error.message}`)),
      );
      server.listen(port, host, () => resolve());
    });
    return new HttpOutput(server, options);
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.port}${STREAM_PATH}`;
  }

  get clients(): number {
    return this.#clients.size;
  }

  write(data: Uint8Array): Promise<void> | void {
    if (!this.live && this.#clients.size === 0) {
      return new Promise<void>((resolve) => this.#waitingForClient.push(resolve)).then(() => this.write(data));
    }
    const waits: Array<Promise<void>> = [];
    for (const client of this.#clients) {
      const { response } = client;
      let bytes = data;
      if (!client.started) {
        const start = packetBoundary(data);
        if (start < 0) continue;
        bytes = data.subarray(start);
        client.started = true;
      }
      if (this.live && response.writableLength > this.#maxClientBufferBytes) {
        response.destroy();
        continue;
      }
      if (!response.write(bytes) && !this.live) waits.push(new Promise((resolve) => response.once('drain', resolve).once('close', resolve)));
    }
    if (waits.length > 0) return Promise.all(waits).then(() => undefined);
  }

  /** Ends every player's response and stops listening. */
  async close(): Promise<void> {
    for (const resolve of this.#waitingForClient.splice(0)) resolve();
    for (const { response } of this.#clients) response.end();
    this.#server.closeIdleConnections();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#server.closeAllConnections(), 2_000);
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`p2pstream: the stream is at ${STREAM_PATH} — open it in a player, e.g. mpv ${this.url} or vlc ${this.url}\n`);
      return;
    }
    if (path !== STREAM_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found; the stream is at ${STREAM_PATH}\n`);
      return;
    }
    if (this.#clients.size >= this.#maxClients) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' }).end('too many players\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'video/mp2t', 'cache-control': 'no-store' });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.flushHeaders();
    const client: Client = { response, started: false };
    this.#clients.add(client);
    response.on('close', () => this.#clients.delete(client));
    response.on('error', () => this.#clients.delete(client));
    for (const resolve of this.#waitingForClient.splice(0)) resolve();
  }
}

/** The first offset in `data` where MPEG-TS packets begin (a sync byte with more 188 bytes on), or -1. */
export function packetBoundary(data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== TS_SYNC_BYTE) continue;
    let ok = true;
    for (let next = i + TS_PACKET_BYTES; next < data.length && next <= i + 2 * TS_PACKET_BYTES; next += TS_PACKET_BYTES) {
      if (data[next] !== TS_SYNC_BYTE) ok = false;
    }
    if (ok) return i;
  }
  return -1;
}
