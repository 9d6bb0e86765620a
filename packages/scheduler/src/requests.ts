import type { TimerHandle } from '@p2pstream/units';

/** One request in flight: a chunk asked of a peer, with its timers and its way to be cancelled. */
export interface Request {
  readonly seq: number;
  readonly peer: string;
  readonly startedAt: number;
  readonly expectedAt: number;
  /** Our bytes already in flight to this peer when the request was made. */
  readonly aheadBytes: number;
  readonly controller: AbortController;
  timeout: TimerHandle | undefined;
  duplicateCheck: TimerHandle | undefined;
  settled: boolean;
}

/**
 * The requests the scheduler still waits on, by chunk: their timers and abort controllers.
 * It does not bound anything: how many fetches run, in all and per peer, is the p-queues'
 * business (`Scheduler#global` and each peer's queue), counted until each fetch has settled.
 */
export class RequestTable {
  #bySeq = new Map<number, Request[]>();
  #size = 0;

  /** Requests waited on (for reporting). */
  get size(): number {
    return this.#size;
  }

  add(request: Request): void {
    this.#size += 1;
    const forSeq = this.#bySeq.get(request.seq);
    if (forSeq) forSeq.push(request);
    else this.#bySeq.set(request.seq, [request]);
  }

  remove(request: Request): void {
    const forSeq = this.#bySeq.get(request.seq);
    const index = forSeq?.indexOf(request) ?? -1;
    if (index < 0) return;
    forSeq!.splice(index, 1);
    this.#size -= 1;
    if (forSeq!.length === 0) this.#bySeq.delete(request.seq);
  }

  forSeq(seq: number): readonly Request[] {
    return this.#bySeq.get(seq) ?? [];
  }

  /** Requests waited on from `peer` (for reporting). */
  countFor(peer: string): number {
    let count = 0;
    for (const requests of this.#bySeq.values()) for (const request of requests) if (request.peer === peer) count += 1;
    return count;
  }

  /** Chunks with requests in flight (unordered). */
  seqs(): IterableIterator<number> {
    return this.#bySeq.keys();
  }

  /** A copy of every request in flight (at most `maxInFlight` of them), so callers may cancel while iterating. */
  all(): Request[] {
    return [...this.#bySeq.values()].flat();
  }
}
