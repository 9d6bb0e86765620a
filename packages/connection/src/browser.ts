// What a page takes from @p2pstream/connection: a Connection over a transport it brings (a
// WebRTC data channel, or a WebSocket to central) and a ConnectionServer that accepts such
// transports. TCP's dial() and listen() stay in the Node entry, so nothing reachable from here
// imports node:net.
export { Connection } from './connection.js';
export { attachHalf, carriesHalf, detachHalf, PEER_HALF_OF, type PeerHalf, type PeerHalfHandlers, type PeerHalfType } from './peer-halves.js';
export type { ConnectionEvents, ConnectionOptions, ConnectionState, RequestOptions, SendOptions } from './connection-types.js';
export { connect, type ConnectOptions } from './connect.js';
export { ConnectionServer, type Refusal, type ServerEvents, type ServerOptions } from './server.js';
export type { Transport } from './transport.js';
export { WebSocketTransport, type WebSocketLike, type WebSocketTransportOptions } from './websocket-transport.js';
export { webSocketDial, DEFAULT_WEBSOCKET_PATH, type WebSocketDialInit, type WebSocketConstructor } from './websocket-dial.js';
export { ConnectionError, type ConnectionErrorCode, ConnectionClosedError, RemoteError, WebSocketProtocolError } from './errors.js';
export { CloseCode, DEFAULT_REQUEST_TIMEOUT_MS, VIOLATION_PENALTY } from './constants.js';
export { AddressBans, type AddressBansOptions } from './address-bans.js';
// Types only: a page dials with webSocketDial or over a data channel, never with TCP's dial().
export type { DialFunction, DialOptions } from './dial.js';
export type { CloseReason, Handlers, ReplyOf, RequestInput } from './message-types.js';
export type { ConnectionLimits, ServerLimits } from './limits.js';
export type { UploadLimiter } from './upload-limiter.js';
