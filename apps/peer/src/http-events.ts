import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_MAX_EVENT_BUFFER_BYTES, DEFAULT_MAX_EVENT_CLIENTS, EVENT_RETRY_MS } from './http-constants.js';
import { COMMON_HEADERS, sendText } from './http-reply.js';

export interface EventStreamOptions {
  /**
   * Pages following the events at once; more get 503.
   * @default 16
   */
  maxEventClients?: number;
  /**
   * A page this many bytes of events behind is disconnected.
   * @default 256 KiB
   */
  maxEventBufferBytes?: number;
}

/**
 * Server-Sent Events to the pages open on this peer: each one gets the latest
 * message on connect, then every message sent. A page that goes away is
 * forgotten at once; one that stops reading (a frozen tab) is cut off once its
 * backlog passes the limit, so neither costs memory.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #maxClients: number;
  readonly #maxBufferBytes: number;
  #latest: string | undefined;
  #closed = false;

  constructor(options: EventStreamOptions = {}) {
    this.#maxClients = options.maxEventClients ?? DEFAULT_MAX_EVENT_CLIENTS;
    this.#maxBufferBytes = options.maxEventBufferBytes ?? DEFAULT_MAX_EVENT_BUFFER_BYTES;
  }

  /** Pages following now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Takes a GET or HEAD of the event stream: 503 when full or closed. */
  accept(request: IncomingMessage, response: ServerResponse): void {
    if (this.#closed || this.#clients.size >= this.#maxClients) {
      sendText(response, 503, `too many pages following the swarm (${this.#maxClients}); close one and reload\n`, { 'retry-after': '5' });
      return;
    }
    response.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.write(`retry: ${EVENT_RETRY_MS}\n\n`);
    if (this.#latest) response.write(this.#latest);
    this.#clients.add(response);
    const forget = () => this.#clients.delete(response);
    response.on('close', forget);
    response.on('error', forget);
  }

  /** Sends `data` (one line of JSON) to every page. */
  send(data: string): void {
    this.#latest = `data: ${data}\n\n`;
    for (const client of this.#clients) {
      if (client.writableLength > this.#maxBufferBytes) {
        this.#clients.delete(client);
        client.destroy();
        continue;
      }
      client.write(this.#latest);
    }
  }

  /** Ends every page's stream; later pages get 503. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}
