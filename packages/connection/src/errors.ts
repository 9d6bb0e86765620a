import type { DecodeErrorCode } from '@p2pstream/wire';
import type { CloseReason } from './message-types.js';

/** Stable codes of every error this package throws or rejects with; the wire's codes pass through unchanged. */
export type ConnectionErrorCode =
  | 'HANDSHAKE_TIMEOUT'
  | 'REQUEST_TIMEOUT'
  | 'CONNECTION_CLOSED'
  | 'TOO_MANY_CONNECTIONS'
  | 'BANNED'
  | 'TOO_MANY_REQUESTS'
  | 'IDLE_TIMEOUT'
  | 'FRAME_TIMEOUT'
  | 'SEND_BUFFER_FULL'
  | 'SEND_STALLED'
  | 'CONNECTION_REFUSED'
  | 'CONNECT_FAILED'
  | 'ADDRESS_IN_USE'
  | 'LISTEN_FAILED'
  | 'PROTOCOL_VIOLATION'
  | 'REMOTE_ERROR'
  | 'NO_SUCH_REQUEST'
  | 'NOT_LISTENING'
  | 'TRANSPORT_RESET'
  | 'WRITE_AFTER_END'
  | 'WEBSOCKET_PROTOCOL'
  | 'HALF_TAKEN'
  | DecodeErrorCode;

/** Base of every error this package throws; `code` is stable, `message` says what happened and what to do. */
export class ConnectionError extends Error {
  readonly code: ConnectionErrorCode;
  constructor(code: ConnectionErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The other side did not complete the `hello` exchange in time. */
export class HandshakeTimeoutError extends ConnectionError {
  constructor(message: string) {
    super('HANDSHAKE_TIMEOUT', message);
  }
}

/** A request got no reply in time; a late reply is ignored. */
export class RequestTimeoutError extends ConnectionError {
  constructor(readonly type: string, timeout: number) {
    super('REQUEST_TIMEOUT', `no reply to ${type} within ${timeout} ms`);
  }
}

/** The connection closed (or was closing) before the operation could finish; `reason` says why. */
export class ConnectionClosedError extends ConnectionError {
  constructor(readonly reason: CloseReason, options?: ErrorOptions) {
    const by = reason.byRemote ? 'the other side' : 'this side';
    super('CONNECTION_CLOSED', `connection closed by ${by}: ${reason.code}: ${reason.message}`, options);
  }
}

/** A server refused a socket: too many connections in total, from one address, or handshaking. */
export class TooManyConnectionsError extends ConnectionError {
  constructor(message: string) {
    super('TOO_MANY_CONNECTIONS', message);
  }
}

/** A server refused a socket from an address it banned for misbehaving (protocol violations, silent sockets). */
export class BannedError extends ConnectionError {
  constructor(message: string) {
    super('BANNED', message);
  }
}

/** The other side had more requests waiting for replies than this side allows. */
export class TooManyRequestsError extends ConnectionError {
  constructor(limit: number) {
    super('TOO_MANY_REQUESTS', `more than ${limit} requests in flight; wait for replies before asking again`);
  }
}

/** Nothing was received for the idle timeout. */
export class IdleTimeoutError extends ConnectionError {
  constructor(timeout: number) {
    super('IDLE_TIMEOUT', `nothing received for ${timeout} ms`);
  }
}

/** A frame that had started arriving did not finish in time (a slowloris sender). */
export class FrameTimeoutError extends ConnectionError {
  constructor(timeout: number, received: number) {
    super('FRAME_TIMEOUT', `a frame started ${timeout} ms ago is still incomplete after ${received} bytes`);
  }
}

/** A message would have taken the send buffer over its maximum: the other side is not reading. */
export class SendBufferFullError extends ConnectionError {
  constructor(buffered: number, frames: number, max: number) {
    super(
      'SEND_BUFFER_FULL',
      `${buffered} bytes (${frames} frames, each counted with its overhead) already wait to be sent (maximum ${max}); the other side is not reading — wait for drained() when send() returns false`,
    );
  }
}

/** What this side sent was not drained for the idle timeout, while it stopped reading from the other side. */
export class SendStalledError extends ConnectionError {
  constructor(timeout: number, buffered: number) {
    super('SEND_STALLED', `the other side has not read what waits for it (${buffered} bytes with overheads) for ${timeout} ms`);
  }
}

/** Nothing accepts connections at the dialed address. */
export class ConnectionRefusedError extends ConnectionError {
  constructor(readonly host: string, readonly port: number, options?: ErrorOptions) {
    super(
      'CONNECTION_REFUSED',
      `${host}:${port} refused the connection — is the program running there and listening on that port? Check the address, or start it first`,
      options,
    );
  }
}

/** Dialing failed for another reason (unreachable host, unknown name, a local address this machine does not have). */
export class ConnectFailedError extends ConnectionError {
  constructor(readonly host: string, readonly port: number, cause: Error) {
    super('CONNECT_FAILED', `could not connect to ${host}:${port}: ${cause.message}`, { cause });
  }
}

/** The address to listen on is taken; an app may try the next port. */
export class AddressInUseError extends ConnectionError {
  constructor(readonly host: string, readonly port: number, cause?: Error) {
    super(
      'ADDRESS_IN_USE',
      `${host}:${port} is already in use — stop the program holding it, or choose another port (0 picks a free one)`,
      cause ? { cause } : undefined,
    );
  }
}

/** Listening failed for another reason (no such local address, no permission for the port). */
export class ListenFailedError extends ConnectionError {
  constructor(readonly host: string, readonly port: number, cause: Error) {
    super('LISTEN_FAILED', `could not listen on ${host}:${port}: ${cause.message}`, { cause });
  }
}

/**
 * The other side broke the protocol: a wire error (its code passes through,
 * e.g. `MALFORMED`, `FRAME_TOO_LARGE`, `UNSUPPORTED_VERSION`) or a message out
 * of place (`PROTOCOL_VIOLATION`).
 */
export class ProtocolError extends ConnectionError {
  constructor(code: DecodeErrorCode | 'PROTOCOL_VIOLATION', message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** The other side answered with `error { code, message }`; `remoteCode` is its code (e.g. `NAME_TAKEN`). */
export class RemoteError extends ConnectionError {
  constructor(readonly remoteCode: string, readonly remoteMessage: string) {
    super('REMOTE_ERROR', `the other side answered ${remoteCode}: ${remoteMessage}`);
  }
}

/** `address()` of a server that has no TCP listener (one made to `accept()` transports only). */
export class NotListeningError extends ConnectionError {
  constructor() {
    super('NOT_LISTENING', 'this server has no TCP listener: it accepts only the transports handed to accept() — use listen() for one that listens');
  }
}

/** The other end of an in-memory pair was destroyed with an error (what a socket sees as a reset). */
export class TransportResetError extends ConnectionError {
  constructor(options?: ErrorOptions) {
    super('TRANSPORT_RESET', 'the other end of the transport was destroyed (connection reset)', options);
  }
}

/** A write after `end()` or `destroy()`; the bytes were dropped. */
export class WriteAfterEndError extends ConnectionError {
  constructor() {
    super('WRITE_AFTER_END', 'write after the transport was ended or destroyed — the bytes were dropped');
  }
}

/** The other side of a WebSocket sent what this protocol never sends (a text message). */
export class WebSocketProtocolError extends ConnectionError {
  constructor(message: string) {
    super('WEBSOCKET_PROTOCOL', message);
  }
}

/** A connection was given a half (serving or fetching) that this side already runs on it. */
export class HalfTakenError extends ConnectionError {
  constructor(readonly half: string, peer: string) {
    super('HALF_TAKEN', `the connection with ${peer} already carries this side's ${half} half; a connection carries each half once`);
  }
}
