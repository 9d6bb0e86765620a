export * from './constants.js';
export * from './errors.js';
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
export type { ConnectionEvents, ConnectionOptions, ConnectionState, RequestOptions } from './connection-types.js';
export { connect, type ConnectOptions } from './connect.js';
export { dial, type DialOptions } from './dial.js';
export { listen, ConnectionServer, type ListenOptions, type Refusal, type ServerEvents, type ServerOptions } from './server.js';
export type { Transport } from './transport.js';
export { UploadLimiter, type UploadLimiterOptions } from './upload-limiter.js';
export { AddressBans, type AddressBansOptions } from './address-bans.js';
