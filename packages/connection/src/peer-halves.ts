import type { Connection } from './connection.js';
import { HalfTakenError } from './errors.js';
import type { HandledType, Handlers } from './message-types.js';

/**
 * The two halves of a peer connection. The fetching half joins, requests and cancels, and takes
 * what the other side pushes (`have`, signed `head` and `end`); the serving half answers `join` and
 * `request` and honours `cancel`. Replies travel by `re` to whichever half asked, so a connection
 * may carry both halves on each side — a symmetric connection — and each peer fetches from the
 * other over it.
 */
export type PeerHalf = 'serving' | 'fetching';

/** Every peer message a handler takes, and the half it belongs to: no type belongs to both, so frames route by type alone. */
export const PEER_HALF_OF = {
  join: 'serving',
  request: 'serving',
  cancel: 'serving',
  have: 'fetching',
  head: 'fetching',
  end: 'fetching',
} as const satisfies Partial<Record<HandledType, PeerHalf>>;

/** The message types one half takes. */
export type PeerHalfType<H extends PeerHalf> = { [T in keyof typeof PEER_HALF_OF]: (typeof PEER_HALF_OF)[T] extends H ? T : never }[keyof typeof PEER_HALF_OF];

/** The handlers of one half: only the types that half takes. */
export type PeerHalfHandlers<H extends PeerHalf> = Pick<Handlers, PeerHalfType<H>>;

const TYPES_OF: Readonly<Record<PeerHalf, readonly HandledType[]>> = {
  serving: typesOf('serving'),
  fetching: typesOf('fetching'),
};

function typesOf(half: PeerHalf): HandledType[] {
  return (Object.keys(PEER_HALF_OF) as Array<keyof typeof PEER_HALF_OF>).filter((type) => PEER_HALF_OF[type] === half);
}

/** Whether `connection` carries `half` on this side (a handler of that half is set). */
export function carriesHalf(connection: Connection, half: PeerHalf): boolean {
  return TYPES_OF[half].some((type) => connection.handles(type));
}

/**
 * Adds one half to a connection that may already carry the other: a connection a peer dialed
 * to fetch starts serving over it too, or one it accepted to serve starts fetching over it.
 * Throws `HALF_TAKEN` when this side carries that half already (a second fetching link on the
 * same connection would take the first one's `have`s); a handler of another half's type is a type error.
 */
export function attachHalf<H extends PeerHalf>(connection: Connection, half: H, handlers: PeerHalfHandlers<H>): void {
  if (carriesHalf(connection, half)) throw new HalfTakenError(half, `${connection.remoteAddress}:${connection.remotePort}`);
  for (const type of TYPES_OF[half]) {
    const handler = (handlers as Handlers)[type];
    // Each handler was given for exactly its own type.
    if (handler) connection.handle(type, handler as never);
  }
}

/** Takes `half` off a connection that stays open for the other one (the other side may still fetch over it). */
export function detachHalf(connection: Connection, half: PeerHalf): void {
  for (const type of TYPES_OF[half]) connection.handle(type, undefined);
}
