import type { MessageTypeName } from './constants.js';
import type { FieldsOf, SCHEMAS } from './schemas.js';

/** The message of type `T`: `{ t: T, ...its fields }`. */
export type MessageOf<T extends MessageTypeName> = { t: T } & FieldsOf<(typeof SCHEMAS)[T]>;

/** Every message of both protocols, discriminated by `t`. */
export type Message = { [T in MessageTypeName]: MessageOf<T> }[MessageTypeName];

export type HelloMessage = MessageOf<'hello'>;
export type ErrorMessage = MessageOf<'error'>;
export type PublishMessage = MessageOf<'publish'>;
export type PublishedMessage = MessageOf<'published'>;
export type AnnounceMessage = MessageOf<'announce'>;
export type AnnouncedMessage = MessageOf<'announced'>;
export type LookupMessage = MessageOf<'lookup'>;
export type PeersMessage = MessageOf<'peers'>;
export type PeerEntry = PeersMessage['peers'][number];
export type ListMessage = MessageOf<'list'>;
export type StreamsMessage = MessageOf<'streams'>;
export type StreamEntry = StreamsMessage['streams'][number];
export type LeaveMessage = MessageOf<'leave'>;
export type OkMessage = MessageOf<'ok'>;
export type SignalMessage = MessageOf<'signal'>;
export type SignaledMessage = MessageOf<'signaled'>;
export type ReportMessage = MessageOf<'report'>;
export type JoinMessage = MessageOf<'join'>;
export type MapMessage = MessageOf<'map'>;
export type HaveMessage = MessageOf<'have'>;
export type HeadMessage = MessageOf<'head'>;
export type EndMessage = MessageOf<'end'>;
export type RequestMessage = MessageOf<'request'>;
export type ChunkMessage = MessageOf<'chunk'>;
export type RejectMessage = MessageOf<'reject'>;
export type CancelMessage = MessageOf<'cancel'>;

/** Messages that expect a reply carry `id`. */
export type RequestLike = Extract<Message, { id: number }>;
/** Messages that answer a request carry `re`. */
export type ReplyLike = Extract<Message, { re: number }> | ErrorMessage;
