import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { AddressInUseError, ListenFailedError, WebSocketTransport, type ConnectionServer } from '@p2pstream/connection';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WebSocketEndpointOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Upgrades to any other path are answered 404. */
  path: string;
  /** Every upgraded socket is handed to this server's `accept()`: its limits apply as to TCP. */
  server: ConnectionServer;
  /** Largest WebSocket message accepted; a larger one closes that socket (1009) before it is buffered whole. */
  maxMessageBytes: number;
  /** An HTTP request that has not sent its headers (and so not asked to upgrade) in this time is dropped. */
  headersTimeout: number;
}

/** Central's WebSocket endpoint, listening. */
export interface WebSocketEndpoint {
  readonly address: AddressInfo;
  /**
   * Stops accepting upgrades at once; resolves when the listener has closed, which is once
   * every upgraded socket has: those belong to the ConnectionServer, which closes them.
   */
  close(): Promise<void>;
}

/**
 * Serves the framed protocol over WebSocket on `http://host:port/path`, for
 * peers that cannot open TCP (browsers). Each upgraded socket becomes a
 * `WebSocketTransport` handed to the same `ConnectionServer` as TCP sockets,
 * so every limit (per-IP connections and handshakes, connect rate, bans, frame
 * sizes, first-message and idle timeouts) applies unchanged. The remote address
 * is the socket's: headers such as X-Forwarded-For are not believed.
 */
export async function listenWebSocket(options: WebSocketEndpointOptions): Promise<WebSocketEndpoint> {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false });
  const http: Server = createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket', connection: 'close' });
    response.end(`this is p2pstream central's WebSocket endpoint: open ws://HOST:PORT${options.path}\n`);
  });
  http.headersTimeout = options.headersTimeout;
  http.requestTimeout = options.headersTimeout;
  // Sockets that have not upgraded yet are not the connection server's to count: cap them all here too.
  http.maxConnections = options.server.limits.maxConnections;
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (pathOf(request) !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (webSocket: WebSocket) => {
      const { remoteAddress, remotePort, localAddress, localPort } = request.socket;
      options.server.accept(new WebSocketTransport(webSocket, { remoteAddress, remotePort, localAddress, localPort }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(error.code === 'EADDRINUSE' ? new AddressInUseError(options.host, options.port, error) : new ListenFailedError(options.host, options.port, error));
    };
    http.once('error', onError);
    http.listen({ host: options.host, port: options.port }, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.close();
        http.close(() => resolve());
        http.closeIdleConnections();
      }),
  };
}

/** The request's path without its query (`/ws?x=1` is `/ws`). */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return query >= 0 ? url.slice(0, query) : url;
}
