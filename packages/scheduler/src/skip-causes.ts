/**
 * Why a live chunk was skipped (not held when it fell due, and play went on):
 * - `never-announced`: no peer announced it while it was wanted;
 * - `timed-out`: the last request for it ran out its timeout (`peers`: of whom, in a row);
 * - `refused-busy`: the last request for it was refused with `busy` (`peers`: by whom);
 * - `held-back`: a peer announced it, but the strategy had no request in flight for it at its
 *   deadline (`peers`: the peers holding it then);
 * - `late`: a request was still on its way when it fell due, so the chunk would arrive after
 *   its deadline (`peers`: those asked).
 */
export type SkipCause = 'never-announced' | 'timed-out' | 'refused-busy' | 'held-back' | 'late';

export const SKIP_CAUSES: readonly SkipCause[] = ['never-announced', 'timed-out', 'refused-busy', 'held-back', 'late'];

/** How the most recent requests for a chunk ended, when that can explain a skip. */
type Outcome = 'timed-out' | 'refused-busy' | 'other';

/**
 * What became of the requests for each chunk not yet passed by the playhead, so that a
 * skip can say why. Only chunks that were asked for have an entry, and entries below the
 * playhead are forgotten, so it holds at most the wanted window.
 */
export class RequestHistory {
  readonly #bySeq = new Map<number, { outcome: Outcome; peers: string[] }>();

  /** A request for `seq` to `peer` ended without the chunk. A run of the same outcome collects its peers. */
  record(seq: number, peer: string, outcome: Outcome): void {
    const entry = this.#bySeq.get(seq);
    if (entry?.outcome !== outcome) this.#bySeq.set(seq, { outcome, peers: [peer] });
    else if (!entry.peers.includes(peer)) entry.peers.push(peer);
  }

  last(seq: number): { outcome: Outcome; peers: readonly string[] } | undefined {
    return this.#bySeq.get(seq);
  }

  forgetBelow(floor: number): void {
    for (const seq of this.#bySeq.keys()) if (seq < floor) this.#bySeq.delete(seq);
  }
}

/** What the scheduler knows of a chunk at the moment it is skipped. */
export interface SkipFacts {
  /** Peers with a request for it in flight now. */
  asked: readonly string[];
  last: { outcome: Outcome; peers: readonly string[] } | undefined;
  /** Whether any peer announced it since it came into the window. */
  announced: boolean;
  /** Peers that hold it now. */
  holders: readonly string[];
}

/** The cause of a skip, and the peers it concerns. */
export function skipCause({ asked, last, announced, holders }: SkipFacts): { cause: SkipCause; peers: string[] } {
  if (asked.length > 0) return { cause: 'late', peers: [...asked] };
  if (last?.outcome === 'timed-out') return { cause: 'timed-out', peers: [...last.peers] };
  if (last?.outcome === 'refused-busy') return { cause: 'refused-busy', peers: [...last.peers] };
  if (!announced) return { cause: 'never-announced', peers: [] };
  return { cause: 'held-back', peers: [...holders] };
}
