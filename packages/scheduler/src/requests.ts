import type { TimerHandle } from './clock.js';

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

/** The requests in flight, by chunk and by peer. */
export class RequestTable {
  #bySeq = new Map<number, Request[]>();
  #byPeer = new Map<string, Set<Request>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(request: Request): void {
    const forSeq = this.#bySeq.get(request.seq);
    if (forSeq) forSeq.push(request);
    else this.#bySeq.set(request.seq, [request]);
    let forPeer = this.#byPeer.get(request.peer);
    if (!forPeer) this.#byPeer.set(request.peer, (forPeer = new Set()));
    forPeer.add(request);
    this.#size += 1;
  }

  remove(request: Request): void {
    const forSeq = this.#bySeq.get(request.seq);
    const index = forSeq?.indexOf(request) ?? -1;
    if (index < 0) return;
    forSeq!.splice(index, 1);
    if (forSeq!.length === 0) this.#bySeq.delete(request.seq);
    const forPeer = this.#byPeer.get(request.peer)!;
    forPeer.delete(request);
    if (forPeer.size === 0) this.#byPeer.delete(request.peer);
    this.#size -= 1;
  }

  forSeq(seq: number): readonly Request[] {
    return this.#bySeq.get(seq) ?? [];
  }

  countForPeer(peer: string): number {
    return this.#byPeer.get(peer)?.size ?? 0;
  }

  /** A copy, so callers may cancel while iterating. */
  forPeer(peer: string): Request[] {
    return [...(this.#byPeer.get(peer) ?? [])];
  }

  /** Chunks with requests in flight (unordered). */
  seqs(): IterableIterator<number> {
    return this.#bySeq.keys();
  }

  /** A copy of every request in flight. */
  all(): Request[] {
    return [...this.#bySeq.values()].flat();
  }
}
