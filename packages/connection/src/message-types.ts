import { REPLY_TYPE, type Message, type MessageOf, type MessageTypeName } from '@p2pstream/wire';
import type { Connection } from './connection.js';

/** Message types that expect a reply (they carry `id`). */
export type RequestType = keyof typeof REPLY_TYPE;

/**
 * The types that may answer a request of type `T`: the one `REPLY_TYPE` names,
 * and for `request` also `reject` (a peer that does not hold a chunk says so).
 * An `error` with the request's id may answer any request; it rejects with `RemoteError`.
 */
export type ReplyType<T extends RequestType> = (typeof REPLY_TYPE)[T] | (T extends 'request' ? 'reject' : never);

/** The reply that resolves `request()` for a request of type `T`. */
export type ReplyOf<T extends RequestType> = Extract<Message, { t: ReplyType<T> }>;

/** Any request message as the other side sends it (with its `id`). */
export type AnyRequest = Extract<Message, { t: RequestType }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request as given to `request()`: the connection assigns its `id`. */
export type RequestInput = DistributiveOmit<AnyRequest, 'id'>;

/** A reply as given to `reply()`: the connection fills in `re` from the request. */
export type ReplyInput<T extends RequestType> = DistributiveOmit<ReplyOf<T>, 're'>;

type AnyReplyType = (typeof REPLY_TYPE)[RequestType] | 'reject';

/** Types a handler can be registered for: requests and pushed messages (`have`, `cancel`, `ended`). */
export type HandledType = Exclude<MessageTypeName, 'hello' | 'error' | AnyReplyType>;

/**
 * Called with each incoming message of one type, already validated. A request's
 * handler answers with `reply` or `replyError`. Its return value is ignored,
 * except that a returned promise that rejects counts as a throw.
 */
export type Handler<T extends HandledType> = (message: MessageOf<T>, connection: Connection) => unknown;

/** One handler per type, given up front so no message that arrives with the handshake is missed. */
export type Handlers = { [T in HandledType]?: Handler<T> };

/** Why a connection closed. `code` is one of this package's codes, a wire code, or the code the other side sent. */
export interface CloseReason {
  readonly code: string;
  readonly message: string;
  /** True when the other side ended the connection (or sent the `error` that ended it). */
  readonly byRemote: boolean;
}

/** A reason to give `close()`: it is sent to the other side as `error { code, message }`. */
export interface CloseRequest {
  /** Upper-case identifier, e.g. `SHUTTING_DOWN`. */
  readonly code: string;
  readonly message: string;
}

const REPLIES_BY_REQUEST = new Map<string, ReadonlySet<string>>(
  Object.entries(REPLY_TYPE).map(([request, reply]) => [
    request,
    new Set(request === 'request' ? [reply, 'reject', 'error'] : [reply, 'error']),
  ]),
);

/** Whether a message of type `replyType` may answer a request of type `requestType`. */
export function isReplyTo(requestType: RequestType, replyType: MessageTypeName): boolean {
  return REPLIES_BY_REQUEST.get(requestType)?.has(replyType) ?? false;
}

/** Whether `type` is a request type (its messages carry `id`). */
export function isRequestType(type: MessageTypeName): type is RequestType {
  return REPLIES_BY_REQUEST.has(type);
}
