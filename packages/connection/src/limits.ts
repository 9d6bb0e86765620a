import { DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_CONTROL_BYTES } from '@p2pstream/wire';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_FRAME_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_PEER_REQUESTS,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
  DEFAULT_CONNECT_RATE_PER_IP,
  DEFAULT_CONNECT_BURST_PER_IP,
  DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
  DEFAULT_BAN_MS,
  DEFAULT_BAN_THRESHOLD,
  DEFAULT_MAX_SEND_BUFFER_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SEND_HIGH_WATER_BYTES,
} from './constants.js';

/** Limits of one connection, dialed or accepted. Times are in milliseconds. */
export interface ConnectionLimits {
  /**
   * Time to receive the other side's `hello`, counted from dialing (connect
   * included) or from accepting the socket.
   * @default 10_000
   */
  handshakeTimeout?: number;
  /**
   * Nothing received for this long closes the connection with `IDLE_TIMEOUT`.
   * Only incoming bytes count: a side that only sends is not proof the other is alive.
   * @default 120_000
   */
  idleTimeout?: number;
  /**
   * A frame whose first byte has arrived must be complete within this time, or
   * the connection closes with `FRAME_TIMEOUT` (a sender trickling bytes).
   * @default 20_000
   */
  frameTimeout?: number;
  /**
   * Default time for `request()` to get its reply.
   * @default 30_000
   */
  requestTimeout?: number;
  /**
   * Requests from the other side that may wait for a reply at once; the one
   * beyond gets `error TOO_MANY_REQUESTS` and the connection closes.
   * @default 128
   */
  maxPeerRequests?: number;
  /**
   * `send()` returns false once this many bytes wait to go out (at least the
   * socket's own high-water mark); each queued frame counts its bytes plus a
   * fixed overhead for what holding it costs. While at or over this mark, the
   * connection stops reading from the other side (its requests would only queue
   * more answers) until what waits falls below half of it.
   * @default 1 MiB
   */
  sendHighWaterBytes?: number;
  /**
   * A message that would take what waits to go out (bytes plus the per-frame
   * overhead) over this closes the connection with `SEND_BUFFER_FULL` (one message
   * is always accepted into an empty buffer).
   * @default 4 MiB
   */
  maxSendBufferBytes?: number;
  /**
   * After `close()`, time allowed to flush and for the other side to close
   * before the socket is destroyed.
   * @default 2_000
   */
  closeTimeout?: number;
  /**
   * Largest incoming control message body, in bytes (passed to the wire's `FrameDecoder`).
   * @default 1 MiB
   */
  maxControlBytes?: number;
  /**
   * Largest incoming chunk payload, in bytes; 0 refuses chunks (central).
   * @default 1 MiB
   */
  maxChunkBytes?: number;
}

/** Limits of a server: its connections' limits and how many it holds. */
export interface ServerLimits extends ConnectionLimits {
  /**
   * Connections held at once, handshaking or open; more are refused with `TOO_MANY_CONNECTIONS`.
   * @default 1024
   */
  maxConnections?: number;
  /**
   * Connections held at once from one remote IP address (IPv6: one /64).
   * @default 32
   */
  maxConnectionsPerIp?: number;
  /**
   * Accepted sockets still in their handshake, at once.
   * @default 64
   */
  maxPendingHandshakes?: number;
  /**
   * Of those, from one remote IP address (IPv6: one /64).
   * @default 8
   */
  maxPendingHandshakesPerIp?: number;
  /**
   * New connections one remote IP address (IPv6: one /64) may open per second on
   * average; more are refused with `TOO_MANY_CONNECTIONS` until tokens refill.
   * @default 0.2
   */
  connectRatePerIp?: number;
  /**
   * New connections one remote IP address may open at once before the rate applies.
   * @default 16
   */
  connectBurstPerIp?: number;
  /**
   * An accepted connection that finishes its handshake and then sends nothing
   * within this is closed with `IDLE_TIMEOUT` (it holds a slot and asks for nothing).
   * @default 15_000
   */
  firstMessageTimeout?: number;
  /**
   * Misbehaviour score at which a remote address is banned (a protocol violation
   * scores 25, a connection silent through its handshake or after it 10; scores
   * decay by this much over `banMs`). Used when the server is not given `bans`.
   * @default 100
   */
  banScore?: number;
  /**
   * How long a ban lasts, in ms. Used when the server is not given `bans`.
   * @default 600_000
   */
  banMs?: number;
}

export type ResolvedConnectionLimits = Readonly<Required<ConnectionLimits>>;
export type ResolvedServerLimits = Readonly<Required<ServerLimits>>;

export function resolveConnectionLimits(limits: ConnectionLimits = {}): ResolvedConnectionLimits {
  const resolved = {
    handshakeTimeout: limits.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    idleTimeout: limits.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
    frameTimeout: limits.frameTimeout ?? DEFAULT_FRAME_TIMEOUT_MS,
    requestTimeout: limits.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxPeerRequests: limits.maxPeerRequests ?? DEFAULT_MAX_PEER_REQUESTS,
    sendHighWaterBytes: limits.sendHighWaterBytes ?? DEFAULT_SEND_HIGH_WATER_BYTES,
    maxSendBufferBytes: limits.maxSendBufferBytes ?? DEFAULT_MAX_SEND_BUFFER_BYTES,
    closeTimeout: limits.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS,
    maxControlBytes: limits.maxControlBytes ?? DEFAULT_MAX_CONTROL_BYTES,
    maxChunkBytes: limits.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES,
  };
  for (const [name, value] of Object.entries(resolved)) {
    const mayBeZero = name === 'maxChunkBytes';
    if (!Number.isSafeInteger(value) || value < (mayBeZero ? 0 : 1)) {
      throw new RangeError(`limit ${name} must be a ${mayBeZero ? 'non-negative' : 'positive'} integer, not ${value}`);
    }
  }
  if (resolved.maxSendBufferBytes < resolved.sendHighWaterBytes) {
    throw new RangeError('limit maxSendBufferBytes must be at least sendHighWaterBytes');
  }
  return resolved;
}

export function resolveServerLimits(limits: ServerLimits = {}): ResolvedServerLimits {
  const counts = {
    maxConnections: limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerIp: limits.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP,
    maxPendingHandshakes: limits.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES,
    maxPendingHandshakesPerIp: limits.maxPendingHandshakesPerIp ?? DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
    connectBurstPerIp: limits.connectBurstPerIp ?? DEFAULT_CONNECT_BURST_PER_IP,
    firstMessageTimeout: limits.firstMessageTimeout ?? DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
    banScore: limits.banScore ?? DEFAULT_BAN_THRESHOLD,
    banMs: limits.banMs ?? DEFAULT_BAN_MS,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`limit ${name} must be a positive integer, not ${value}`);
  }
  const connectRatePerIp = limits.connectRatePerIp ?? DEFAULT_CONNECT_RATE_PER_IP;
  if (!Number.isFinite(connectRatePerIp) || connectRatePerIp <= 0) {
    throw new RangeError(`limit connectRatePerIp must be a positive number of connections per second, not ${connectRatePerIp}`);
  }
  return { ...resolveConnectionLimits(limits), ...counts, connectRatePerIp };
}
