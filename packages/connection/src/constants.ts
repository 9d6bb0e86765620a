/**
 * Every default limit and fixed code of this package in one place. Each limit
 * can be changed through `ConnectionLimits` / `ServerLimits`; these are the
 * values used when an option is left out.
 */

/** Time allowed from accepting (or dialing) a socket to receiving the other side's `hello`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Nothing received for this long closes the connection. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/** A frame whose first byte has arrived must be complete within this time (slowloris). */
export const DEFAULT_FRAME_TIMEOUT_MS = 20_000;

/** A request with no reply within this time rejects with `REQUEST_TIMEOUT`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** After `close()`, time allowed for the queued bytes and the other side's FIN before the socket is destroyed. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

/** Requests from the other side that may wait for our reply at once; one more closes the connection. */
export const DEFAULT_MAX_PEER_REQUESTS = 128;

/** `send()` returns false once this many bytes wait to go out. */
export const DEFAULT_SEND_HIGH_WATER_BYTES = 1024 * 1024;

/** A message that would take the send buffer over this closes the connection with `SEND_BUFFER_FULL`. */
export const DEFAULT_MAX_SEND_BUFFER_BYTES = 4 * 1024 * 1024;

/** Connections a server holds at once, handshaking or open. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** Connections a server holds at once from one remote IP address. */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 32;

/** Accepted sockets that have not finished their handshake, at once. */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 64;

/** Of those, from one remote address (IPv6: one /64), so one address cannot hold the whole pool. */
export const DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP = 8;

/** New connections one remote address may open per second, on average (a token bucket). */
export const DEFAULT_CONNECT_RATE_PER_IP = 0.2;

/** New connections one remote address may open at once before the rate applies. */
export const DEFAULT_CONNECT_BURST_PER_IP = 16;

/** After the handshake, an accepted connection must send something (a join, a request) within this, or it is closed. */
export const DEFAULT_FIRST_MESSAGE_TIMEOUT_MS = 15_000;

/** Misbehaviour score at which an address is banned. */
export const DEFAULT_BAN_THRESHOLD = 100;

/** How long a ban lasts; a score decays by the whole threshold over the same time. */
export const DEFAULT_BAN_MS = 10 * 60_000;

/** Score a server adds to an address whose connection it closed for a protocol violation (four in a row ban it). */
export const VIOLATION_PENALTY = 25;

/** Score for a connection that never finished its handshake or asked nothing after it (ten in a row ban it). */
export const SILENCE_PENALTY = 10;

/**
 * What one queued frame costs beyond its bytes (the frame's record, its Buffer
 * objects, the socket's write request): counted with the bytes against the send
 * buffer's limits, so tens of thousands of tiny frames cannot hide under a byte cap.
 */
export const QUEUED_FRAME_OVERHEAD_BYTES = 256;

/** The upload limiter's default burst: this many milliseconds of traffic at the configured rate. */
export const DEFAULT_BURST_MS = 100;

/** Address a server listens on when none is given (every IPv4 interface, as central and peers expect). */
export const DEFAULT_LISTEN_HOST = '0.0.0.0';

/** Codes of close reasons that are not errors of this package. */
export const CloseCode = {
  /** An orderly close, by either side, without a reason. */
  closed: 'CLOSED',
  /** The socket failed (reset, broken pipe); the message carries the system error. */
  lost: 'CONNECTION_LOST',
} as const;

/** Smallest read buffer of a dialed socket (Node's own read size). */
export const MIN_READ_BYTES = 64 * 1024;

/** Largest read buffer of a dialed socket, reached while reads keep filling it (bulk chunk transfer). */
export const MAX_READ_BYTES = 512 * 1024;

/** Reads in a row that use less than half a reused read buffer before it halves (each new size is a new buffer). */
export const SHRINK_AFTER_READS = 64;
