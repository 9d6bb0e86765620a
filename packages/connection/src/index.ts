export * from './constants.js';
export * from './errors.js';
export { systemClock, type Clock } from './clock.js';
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
export { dial, type DialOptions } from './dial.js';
export { listen, ConnectionServer, type ListenOptions, type Refusal, type ServerEvents } from './server.js';
export { UploadLimiter, type UploadLimiterOptions } from './upload-limiter.js';
