export type { ConnectionLimits, ServerLimits, ResolvedConnectionLimits, ResolvedServerLimits } from './limits.js';
export type {
  AnyRequest,
  CloseReason,
  CloseRequest,
  HandledType,
  Handler,
  Handlers,
  ReplyInput,
  ReplyOf,
  ReplyType,
  RequestInput,
  RequestType,
} from './message-types.js';
export { Connection } from './connection.js';
export { attachHalf, carriesHalf, detachHalf, PEER_HALF_OF, type PeerHalf, type PeerHalfHandlers, type PeerHalfType } from './peer-halves.js';
export type { ConnectionEvents, ConnectionOptions, ConnectionState, RequestOptions, SendOptions } from './connection-types.js';
export { connect, type ConnectOptions } from './connect.js';
export { dial, type DialOptions, type DialFunction } from './dial.js';
export { ConnectionServer, type ListenOptions, type Refusal, type ServerEvents, type ServerOptions } from './server.js';
export { listen } from './listen.js';
export type { Transport } from './transport.js';
export { WebSocketTransport, type WebSocketLike, type WebSocketTransportOptions } from './websocket-transport.js';
export { webSocketDial, DEFAULT_WEBSOCKET_PATH, type WebSocketDialInit, type WebSocketConstructor } from './websocket-dial.js';
export { UploadLimiter, type UploadLimiterOptions } from './upload-limiter.js';
export { ADDRESS_LIMIT_OPTIONS, addressLimitsFromFlags, type AddressLimitFlagValues, type AddressLimits } from './address-limit-flags.js';
export { AddressBans, type AddressBansOptions } from './address-bans.js';
export {
  ConnectionError,
  type ConnectionErrorCode,
  ConnectionClosedError,
  RemoteError,
  ConnectionRefusedError,
  ConnectFailedError,
  AddressInUseError,
  ListenFailedError,
  WebSocketProtocolError,
  HalfTakenError,
} from './errors.js';
export {
  CloseCode,
  DEFAULT_LISTEN_HOST,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP,
  DEFAULT_CONNECT_RATE_PER_IP,
  DEFAULT_CONNECT_BURST_PER_IP,
  DEFAULT_BAN_THRESHOLD,
  DEFAULT_BAN_MS,
  VIOLATION_PENALTY,
} from './constants.js';
