import type { DialFunction } from '@p2pstream/connection/browser';
import type { PeerEntry } from '@p2pstream/wire';
import type { ClientTracker } from './tracker.js';

/** Entries remembered at most; the oldest is forgotten first (a look-up answers with 50 at most). */
const MAX_REMEMBERED = 4096;

/**
 * The entries central said it dialed back, from this client's look-ups: those
 * take a TCP connection from anywhere, so a WebRTC set-up (central's relay,
 * ICE, DTLS, SCTP) is spent only on the others.
 */
export class ReachableEntries {
  readonly #reachable = new Map<string, boolean>();

  /** Takes what a look-up said; an entry it said nothing of keeps what an earlier one said. */
  record(peers: readonly PeerEntry[]): void {
    for (const { host, port, reachable } of peers) {
      if (reachable === undefined) continue;
      const key = `${host} ${port}`;
      this.#reachable.delete(key);
      if (this.#reachable.size >= MAX_REMEMBERED) this.#reachable.delete(this.#reachable.keys().next().value!);
      this.#reachable.set(key, reachable);
    }
  }

  /** True only when central last said it dialed the entry back. */
  reachable(host: string, port: number): boolean {
    return this.#reachable.get(`${host} ${port}`) === true;
  }

  /** `tracker` whose look-ups ask central for reachability and record it here. */
  recording(tracker: ClientTracker): ClientTracker {
    return {
      announce: tracker.announce.bind(tracker),
      update: tracker.update.bind(tracker),
      leave: tracker.leave.bind(tracker),
      lookup: async (name, options = {}) => {
        const found = await tracker.lookup(name, { ...options, reachability: true });
        this.record(found.peers);
        return found;
      },
    };
  }
}

/** Dials an entry central reached with `direct` (TCP), any other with `traversal` (WebRTC). */
export function reachabilityDial(entries: ReachableEntries, direct: DialFunction, traversal: DialFunction): DialFunction {
  return (host, port, options) => (entries.reachable(host, port) ? direct(host, port, options) : traversal(host, port, options));
}
