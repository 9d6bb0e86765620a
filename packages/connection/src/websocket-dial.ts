import { monotonicClock, type Clock } from '@p2pstream/units';
import { connectDialed } from './connect.js';
import type { Connection } from './connection.js';
import type { DialFunction, DialOptions } from './dial.js';
import { ConnectFailedError, ConnectionRefusedError, HandshakeTimeoutError } from './errors.js';
import { resolveConnectionLimits } from './limits.js';
import { WebSocketTransport, type WebSocketLike } from './websocket-transport.js';

/** A WebSocket class: the browser's global `WebSocket`, or `WebSocket` from the `ws` package in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketDialInit {
  /** @default globalThis.WebSocket (browsers, and Node from 22) */
  WebSocket?: WebSocketConstructor;
  /**
   * The path of the WebSocket endpoint on `host:port`.
   * @default '/ws' (central's)
   */
  path?: string;
  /** `wss://` instead of `ws://` (behind a TLS proxy). @default false */
  secure?: boolean;
}

/** The path central serves its WebSocket endpoint on. */
export const DEFAULT_WEBSOCKET_PATH = '/ws';

/**
 * A `dial` that reaches `ws://host:port/ws` instead of TCP `host:port`, for
 * wherever TCP cannot be opened (a browser): hand it to whatever takes a
 * `DialFunction` (the tracker client's `dial` option), and the same connection,
 * limits and retries run over a WebSocket. `localAddress` is ignored (a WebSocket
 * cannot choose it). Rejects as `dial` does: `CONNECTION_REFUSED`, `CONNECT_FAILED`,
 * `HANDSHAKE_TIMEOUT`, the other side's refusal, or the signal's reason.
 */
export function webSocketDial(init: WebSocketDialInit = {}): DialFunction {
  const WebSocketClass = init.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass) {
    throw new TypeError('this runtime has no global WebSocket: pass one, e.g. webSocketDial({ WebSocket }) with WebSocket from the ws package');
  }
  const path = init.path ?? DEFAULT_WEBSOCKET_PATH;
  const scheme = init.secure ? 'wss' : 'ws';
  return async (host: string, port: number, options: DialOptions): Promise<Connection> => {
    options.signal?.throwIfAborted();
    const limits = resolveConnectionLimits(options.limits);
    const clock = options.clock ?? monotonicClock;
    const started = clock.now();
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    const socket = new WebSocketClass(url);
    // Listening from the start: the other side's hello may come in the same read as the upgrade's answer.
    const transport = new WebSocketTransport(socket, { remoteAddress: host, remotePort: port });
    await openWebSocket(socket, host, port, limits.handshakeTimeout, clock, options.signal);
    return connectDialed(transport, options, { handshakeTimeoutMs: limits.handshakeTimeout, started, clock });
  };
}

/** Resolves once `socket` is open; rejects (and closes it) on error, close, timeout or abort. */
function openWebSocket(socket: WebSocketLike, host: string, port: number, timeout: number, clock: Clock, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let failure: unknown;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) return resolve();
      socket.close();
      reject(error);
    };
    const onAbort = (): void => settle(signal?.reason);
    const timer = clock.setTimeout(() => settle(new HandshakeTimeoutError(`could not open a WebSocket to ${host}:${port} within ${timeout} ms`)), timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    // `ws` hands the socket error on the event; a browser tells nothing more than that it failed.
    socket.addEventListener('error', (event) => (failure ??= (event as { error?: unknown }).error));
    socket.addEventListener('close', (event) => {
      const cause = failure instanceof Error ? failure : new Error(`the WebSocket closed before it opened (code ${event.code})`);
      const refused = (cause as { code?: unknown }).code === 'ECONNREFUSED';
      settle(refused ? new ConnectionRefusedError(host, port, { cause }) : new ConnectFailedError(host, port, cause));
    });
    socket.addEventListener('open', () => settle());
  });
}
