import type { Strategy } from '../strategy.js';
import { anyPeer } from './pick-peer.js';

/**
 * The lowest-numbered wanted chunk first, from any peer holding it. A baseline: no rarity,
 * no peer measurement, no second requests.
 */
export function sequential(): Strategy {
  return {
    name: 'sequential',
    next(view) {
      for (const seq of view.candidates()) {
        const peer = anyPeer(view, view.askable(seq));
        if (peer !== undefined) return { seq, peer };
      }
      return undefined;
    },
  };
}

/** A wanted chunk at random, from any peer holding it. A baseline like `sequential`. */
export function random(): Strategy {
  return {
    name: 'random',
    next(view) {
      const open = view.candidates().filter((seq) => view.askable(seq).length > 0);
      if (open.length === 0) return undefined;
      const seq = open[Math.floor(view.random() * open.length)]!;
      return { seq, peer: anyPeer(view, view.askable(seq))! };
    },
  };
}
