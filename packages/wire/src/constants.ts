import { WireErrorCode } from './error-codes.js';

/**
 * Every message type name, protocol constant and wire limit in one place.
 * Other packages import these instead of repeating numbers.
 */

/** Major protocol version spoken in `hello.v`; a peer with another major is refused. */
export const PROTOCOL_VERSION = 2;

/** Bytes of the big-endian length prefix in front of every msgpack body. */
export const FRAME_HEADER_BYTES = 4;

/** Largest control-message body accepted by default (1 MiB). */
export const DEFAULT_MAX_CONTROL_BYTES = 1024 * 1024;

/** Largest chunk payload accepted by default (1 MiB); chunks are cut at 64 KiB by default. */
export const DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024;

/** Room for the fields of a `chunk` message around its payload (keys, seq, ts, sig, headers). */
export const CHUNK_FRAME_OVERHEAD = 256;

/** Deepest nesting any message needs: body → peers array → peer object. */
export const MAX_NESTING_DEPTH = 3;

/** Stream names: letters, digits, `.`, `_`, `-`; starting with a letter or digit; 1–64 long. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_NAME_LENGTH = 64;

/** A stream id is the publisher's raw Ed25519 public key in lowercase hex. */
export const STREAM_ID_PATTERN = /^[0-9a-f]{64}$/;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** A publish session: the random epoch a publisher picks per publish, bound into every signature of that publish. */
export const SESSION_BYTES = 8;

/** Error codes travel as short upper-case identifiers. */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** Longest textual host (an IPv6 address with zone is the worst case). */
export const MAX_HOST_LENGTH = 64;

/** Longest URL on the wire (central's watch page of a stream): an IPv6 host, a port and a percent-encoded name fit many times. */
export const MAX_URL_LENGTH = 512;

/** Peers returned by one look-up, at most. */
export const MAX_LOOKUP_PEERS = 50;

/** Streams in one `streams` reply, at most. */
export const MAX_LIST_STREAMS = 1000;

/** Bytes of a buffer map's bit field, at most (one million chunks). */
export const MAX_MAP_BYTES = 128 * 1024;

/**
 * Bytes of one signaling payload (`signal.data`) at most: room for the largest offer or
 * answer @p2pstream/webrtc takes (16 KiB of SDP) as JSON, with its escaped line ends —
 * a data-channel SDP is about 1 KiB — and small enough that relaying one costs central little.
 */
export const MAX_SIGNAL_BYTES = 24 * 1024;

/** Largest sequence number, timestamp or count carried on the wire. */
export const MAX_UINT = Number.MAX_SAFE_INTEGER;

export const MessageType = {
  hello: 'hello',
  error: 'error',
  // tracker: peer ⇄ central
  publish: 'publish',
  published: 'published',
  announce: 'announce',
  announced: 'announced',
  lookup: 'lookup',
  peers: 'peers',
  list: 'list',
  streams: 'streams',
  leave: 'leave',
  ok: 'ok',
  // signaling relayed by central between two entries of one stream (peer → central → peer)
  signal: 'signal',
  signaled: 'signaled',
  // a viewer's quality of experience, reported to central (the watch pages send it)
  report: 'report',
  // peer ⇄ peer
  join: 'join',
  map: 'map',
  have: 'have',
  head: 'head',
  end: 'end',
  request: 'request',
  chunk: 'chunk',
  reject: 'reject',
  cancel: 'cancel',
} as const;
export type MessageTypeName = (typeof MessageType)[keyof typeof MessageType];

/** Who is speaking, declared in `hello`. */
export const ROLES = ['central', 'peer'] as const;
export type Role = (typeof ROLES)[number];

/** Why a peer refused a chunk request. */
export const REJECT_REASONS = [WireErrorCode.notHeld, WireErrorCode.outsideWindow, WireErrorCode.busy, WireErrorCode.unknownStream] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Request type → the reply type that answers it (an `error` with `re` may answer any). */
export const REPLY_TYPE = {
  publish: 'published',
  announce: 'announced',
  lookup: 'peers',
  list: 'streams',
  leave: 'ok',
  signal: 'ok',
  report: 'ok',
  join: 'map',
  request: 'chunk',
} as const;
