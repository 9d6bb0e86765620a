import {
  ERROR_CODE_PATTERN,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_LIST_STREAMS,
  MAX_LOOKUP_PEERS,
  MAX_MAP_BYTES,
  MAX_NAME_LENGTH,
  MAX_SIGNAL_BYTES,
  MAX_UINT,
  MAX_URL_LENGTH,
  NAME_PATTERN,
  PUBLIC_KEY_BYTES,
  REJECT_REASONS,
  ROLES,
  SESSION_BYTES,
  SIGNATURE_BYTES,
  STREAM_ID_PATTERN,
} from './constants.js';

/**
 * The shape of every message, as data. The validator walks these specs and the
 * TypeScript message types are derived from them, so the two cannot drift apart.
 */

export interface UintSpec {
  readonly kind: 'uint';
  readonly min: number;
  readonly max: number;
}
export interface StringSpec {
  readonly kind: 'string';
  readonly maxLength: number;
  readonly pattern?: RegExp;
  /** What the pattern means, for error messages. */
  readonly describe: string;
}
export interface HostSpec {
  readonly kind: 'host';
}
export interface EnumSpec<V extends string = string> {
  readonly kind: 'enum';
  readonly values: readonly V[];
}
export interface BoolSpec {
  readonly kind: 'bool';
}
export interface BinSpec {
  readonly kind: 'bin';
  readonly minLength: number;
  /** `'chunk'` means the decoder's configured maximum chunk size. */
  readonly maxLength: number | 'chunk';
}
export interface ArraySpec<S extends Schema = Schema> {
  readonly kind: 'array';
  readonly maxItems: number;
  readonly items: S;
}
export type FieldSpec = UintSpec | StringSpec | HostSpec | EnumSpec | BoolSpec | BinSpec | ArraySpec;
export interface Field<S extends FieldSpec = FieldSpec, O extends boolean = boolean> {
  readonly spec: S;
  readonly optional: O;
}
export type Schema = Readonly<Record<string, Field>>;

const required = <S extends FieldSpec>(spec: S): Field<S, false> => ({ spec, optional: false });
const optional = <S extends FieldSpec>(spec: S): Field<S, true> => ({ spec, optional: true });

const uint = (min = 0, max = MAX_UINT): UintSpec => ({ kind: 'uint', min, max });
const bool: BoolSpec = { kind: 'bool' };
const bin = (minLength: number, maxLength: number | 'chunk'): BinSpec => ({ kind: 'bin', minLength, maxLength });
const oneOf = <V extends string>(values: readonly V[]): EnumSpec<V> => ({ kind: 'enum', values });
const arrayOf = <S extends Schema>(items: S, maxItems: number): ArraySpec<S> => ({ kind: 'array', items, maxItems });

const name: StringSpec = {
  kind: 'string',
  maxLength: MAX_NAME_LENGTH,
  pattern: NAME_PATTERN,
  describe: '1–64 of A–Z a–z 0–9 . _ - starting with a letter or digit',
};
const streamId: StringSpec = {
  kind: 'string',
  maxLength: 64,
  pattern: STREAM_ID_PATTERN,
  describe: '64 lowercase hex digits (an Ed25519 public key)',
};
const errorCode: StringSpec = {
  kind: 'string',
  maxLength: 64,
  pattern: ERROR_CODE_PATTERN,
  describe: 'an upper-case identifier',
};
const text: StringSpec = { kind: 'string', maxLength: MAX_ERROR_MESSAGE_LENGTH, describe: 'text' };
const httpUrl: StringSpec = {
  kind: 'string',
  maxLength: MAX_URL_LENGTH,
  pattern: /^https?:\/\/[!-~]+$/,
  describe: 'an http:// or https:// URL of printable ASCII',
};
const host: HostSpec = { kind: 'host' };

const id = required(uint());
const re = required(uint());
const seq = required(uint());
const port = required(uint(1, 65535));
const session = required(bin(SESSION_BYTES, SESSION_BYTES));

const peerEntry = {
  host: required(host),
  port,
  edge: required(uint()),
  // Whether central could dial the entry back at its port (left out while it does not know): one it could not is
  // reached over WebRTC through signals. Sent only to an asker whose `lookup` had `reachability: true`.
  reachable: optional(bool),
} satisfies Schema;
const streamEntry = {
  name: required(name),
  stream: required(streamId),
  live: required(bool),
  peers: required(uint()),
  edge: required(uint()),
} satisfies Schema;

export const SCHEMAS = {
  hello: { v: required(uint()), role: required(oneOf(ROLES)) },
  error: { code: required(errorCode), message: required(text), re: optional(uint()) },

  publish: {
    id,
    name: required(name),
    key: required(bin(PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES)),
    ts: required(uint()),
    live: required(bool),
    // The session this publish starts; `sig` covers it with the name and ts.
    session,
    sig: required(bin(SIGNATURE_BYTES, SIGNATURE_BYTES)),
    // Asks central for the URL of its watch page of this stream (sent only as `true`: a central built before it refuses the key).
    pages: optional(bool),
  },
  // `watch`: central's watch page of the stream, when `publish` asked and central serves watch pages (`--http` with `--ws`).
  published: { re, stream: required(streamId), watch: optional(httpUrl) },
  announce: {
    id,
    stream: required(streamId),
    port,
    edge: required(uint()),
    live: required(bool),
    // The publisher's signed head at `edge` (its `ts` and `sig`), and its signed end at `edge` once the stream ended.
    ts: optional(uint()),
    sig: optional(bin(SIGNATURE_BYTES, SIGNATURE_BYTES)),
    end: optional(bin(SIGNATURE_BYTES, SIGNATURE_BYTES)),
    // This entry takes `signaled` messages (WebRTC offers/answers). Sent only as `true`:
    // a peer that leaves it out is never sent one, so a peer that knows no `signaled` is never sent a type it would refuse.
    signals: optional(bool),
    // This entry listens on no port (a watch page): it is reached only through signals, and its port only names it,
    // so central does not dial it back. Sent only as `true`, only by the pages a central serves (so it knows the key).
    signalsOnly: optional(bool),
  },
  // `host`: the host central lists the entry under, so a watch page knows its own entry's name as its peers know it.
  // Sent only in reply to `signalsOnly: true` (a page of this central, which knows the key).
  announced: { re, interval: required(uint(1)), ttl: required(uint(1)), host: optional(host) },
  lookup: {
    id,
    name: required(name),
    count: required(uint(1, MAX_LOOKUP_PEERS)),
    // The asker reads each entry's `reachable`. Sent only as `true`: a central built before it refuses the key.
    reachability: optional(bool),
  },
  peers: {
    re,
    name: required(name),
    stream: required(streamId),
    live: required(bool),
    edge: required(uint()),
    // The session of the publish central accepted last: chunks of any other do not verify.
    session,
    peers: required(arrayOf(peerEntry, MAX_LOOKUP_PEERS)),
  },
  list: { id },
  streams: { re, streams: required(arrayOf(streamEntry, MAX_LIST_STREAMS)) },
  leave: { id, stream: required(streamId) },
  ok: { re },
  // From a connection that announced `stream`, to the entry `host:port` of the same stream (answered by `ok`).
  // `data` is opaque to central (e.g. offer/answer/candidate JSON as UTF-8).
  signal: { id, stream: required(streamId), host: required(host), port, data: required(bin(1, MAX_SIGNAL_BYTES)) },
  // What the target's connection receives: `host:port` is the sender's entry in `stream`, as look-ups list it.
  signaled: { stream: required(streamId), host: required(host), port, data: required(bin(1, MAX_SIGNAL_BYTES)) },
  // A viewer's quality of experience in `stream` since it started watching (totals, so a lost report loses nothing):
  // chunks played and skipped, bytes taken from other peers and from the publisher, bytes uploaded, and `lag`,
  // ms behind the publisher's clock, once a chunk was played. From a connection that announced `stream` (answered by `ok`).
  report: {
    id,
    stream: required(streamId),
    played: required(uint()),
    skipped: required(uint()),
    lag: optional(uint()),
    fromPeers: required(uint()),
    fromPublisher: required(uint()),
    uploaded: required(uint()),
  },

  join: { id, stream: required(streamId) },
  map: {
    re,
    stream: required(streamId),
    base: required(uint()),
    bits: required(bin(0, MAX_MAP_BYTES)),
    edge: required(uint()),
    live: required(bool),
    // The session the answering peer's chunks belong to; a viewer of another session does not use it.
    session,
    // The answering peer is the stream's publisher (so viewers can count what they took from the source).
    source: required(bool),
    // Sent only in answer to a join over a connection the answering peer dialed (a symmetric connection): the port it
    // listens on, so the asker knows it as central lists it and dials it no second time. A peer that never joins back
    // over a connection it accepted (an older one) is never sent it.
    port: optional(uint(1, 65535)),
  },
  have: { seq },
  // The publisher's signed head and end (see @p2pstream/data): pushed to peers, and by the publisher to central.
  head: { stream: required(streamId), edge: required(uint()), ts: required(uint()), sig: required(bin(SIGNATURE_BYTES, SIGNATURE_BYTES)) },
  end: { stream: required(streamId), edge: required(uint()), sig: required(bin(SIGNATURE_BYTES, SIGNATURE_BYTES)) },
  request: { id, seq },
  chunk: {
    re,
    seq,
    ts: required(uint()),
    sig: required(bin(SIGNATURE_BYTES, SIGNATURE_BYTES)),
    data: required(bin(0, 'chunk')),
  },
  reject: { re, seq, reason: required(oneOf(REJECT_REASONS)) },
  cancel: { seq },
} as const satisfies Record<string, Schema>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ValueOf<S extends FieldSpec> = S extends UintSpec
  ? number
  : S extends StringSpec | HostSpec
    ? string
    : S extends EnumSpec<infer V>
      ? V
      : S extends BoolSpec
        ? boolean
        : S extends BinSpec
          ? Uint8Array
          : S extends ArraySpec<infer I>
            ? Array<FieldsOf<I>>
            : never;

type RequiredKeys<S extends Schema> = { [K in keyof S]: S[K]['optional'] extends true ? never : K }[keyof S];
type OptionalKeys<S extends Schema> = Exclude<keyof S, RequiredKeys<S>>;

export type FieldsOf<S extends Schema> = Simplify<
  { -readonly [K in RequiredKeys<S>]: ValueOf<S[K]['spec']> } & {
    -readonly [K in OptionalKeys<S>]?: ValueOf<S[K]['spec']>;
  }
>;
