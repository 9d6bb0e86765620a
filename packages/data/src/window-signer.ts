import type { HeldChunks } from './held-chunks.js';
import { signEnd, signHead } from './signed-head.js';
import { SignedState } from './signed-state.js';
import type { StreamKey } from './stream-key.js';

export interface SignWindowOptions {
  /** Wall-clock ms for each head's `ts`. @default Date.now */
  wallClock?: () => number;
}

/**
 * The publisher's side of the signed state: a `SignedState` of `session` that
 * signs a new head each time `window` takes a chunk and the end when it
 * finishes. Call it before the window is served: its listener then runs first,
 * so a peer is sent the head that covers a chunk before the chunk's `have`.
 * Heads as far as the window already holds are signed at once.
 */
export function signWindow(key: StreamKey, session: Uint8Array, window: HeldChunks, options: SignWindowOptions = {}): SignedState {
  const wallClock = options.wallClock ?? Date.now;
  const state = new SignedState(key.streamId, session);
  const sign = () => {
    if (window.edge > 0) state.offerHead(signHead(key, session, window.edge, wallClock()));
  };
  sign();
  window.onChunk(sign);
  window.onEnd((edge) => state.offerEnd(signEnd(key, session, edge)));
  if (window.ended) state.offerEnd(signEnd(key, session, window.edge));
  return state;
}
