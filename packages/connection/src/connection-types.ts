import type { Message, Role, TakeBuffer } from '@p2pstream/wire';
import type { Clock } from '@p2pstream/units';
import type { ConnectionLimits } from './limits.js';
import type { CloseReason, Handlers } from './message-types.js';
import type { UploadLimiter } from './upload-limiter.js';

export interface ConnectionOptions {
  /** The role this side declares in its `hello`. */
  role: Role;
  limits?: ConnectionLimits;
  /** Paces this connection's outgoing bytes; share one instance to limit a whole process. */
  uploadLimiter?: UploadLimiter;
  /** Handlers registered before the handshake, so nothing that arrives with it is missed. */
  handlers?: Handlers;
  /** @default monotonicClock */
  clock?: Clock;
  /**
   * Where each chunk received is copied: a buffer of at least the payload's length (from a
   * pool the receiver gives back to). Set, no message keeps a view into what the transport
   * read, so a dialed socket reads into one reused buffer. Unset, a chunk's payload may be a
   * view into the transport's read, which stays alive as long as the chunk does.
   */
  takeBuffer?: TakeBuffer;
}

export interface RequestOptions {
  /** Milliseconds to wait for the reply. @default limits.requestTimeout (30 s) */
  timeout?: number;
  signal?: AbortSignal;
}

export interface SendOptions {
  /**
   * Called once the transport no longer needs the message's bytes (a socket: handed to the
   * kernel), so a chunk's buffer may be reused. Never called when the transport cannot tell
   * (the memory, WebSocket and data-channel transports) or the message was dropped.
   */
  sent?: () => void;
}

/** Typed events of a connection. `error` is emitted only while someone listens; the end always comes as `close`. */
export interface ConnectionEvents {
  /** The handshake completed (`remoteRole` is set). */
  open: [];
  /** Every validated message after the handshake, before it is routed to a pending request or a handler. */
  message: [message: Message];
  close: [reason: CloseReason];
  /** Something went wrong that did not end the connection by itself: a handler threw, the socket failed. */
  error: [error: Error];
}

export type ConnectionState = 'handshaking' | 'open' | 'closing' | 'closed';
