import type { Pick, SchedulerView, Strategy } from '../strategy.js';
import { fastestPeer } from './pick-peer.js';
import { hasPromptTurn } from './prompt-turns.js';

export interface RarestFirstOptions {
  /**
   * A fresh chunk held only by an upstream peer is asked of it at once by a random
   * `promptFactor / n` of its neighbours (n: our number of peers), so that it serves each chunk
   * about `promptFactor` times; when the scheduler knows its own id (`selfId`), by
   * `promptFactor` of them (rounded) taking turns instead (see `hasPromptTurn`). @default 2
   */
  promptFactor?: number;
  /**
   * A chunk still held by one peer after `fallbackSpreads` (plus a random 0–1) times the usual
   * time for a chunk to reach a second peer is asked anyway. @default 2
   */
  fallbackSpreads?: number;
  /** Peers that announce at least this share of chunks before anybody else are upstream. @default 0.5 */
  upstreamThreshold?: number;
  /** The share of chunks a peer announces first is averaged over about this many chunks. @default 10 */
  upstreamMemory?: number;
  /** Upstream peers may be asked for an urgent chunk others hold when nobody else can be asked. @default true */
  upstreamForUrgent?: boolean;
}

/** A stuck request is moved when another peer is expected to deliver in less than this share of its remaining time. */
const REROUTE_GAIN = 0.5;
/** Recent spread times kept for the percentile. */
const SPREAD_SAMPLES = 64;
/** Chunks remembered for per-chunk draws and counts, beyond which the oldest are forgotten. */
const MEMORY_CHUNKS = 4096;

class RarestFirst implements Strategy {
  readonly name = 'rarest-first';
  readonly #promptFactor: number;
  readonly #fallbackSpreads: number;
  readonly #threshold: number;
  readonly #alpha: number;
  readonly #upstreamForUrgent: boolean;
  /** A random draw per chunk, fixed for its lifetime, so a viewer's decision about a chunk is stable. */
  readonly #draws = new Map<number, number>();
  /** Chunks whose first announcer and spread time were counted. */
  readonly #counted = new Map<number, boolean>();
  readonly #upstream = new Map<string, { value: number; at: number }>();
  #chunksCounted = 0;
  /** Recent times from a chunk's first announcement to its second, in a ring. */
  readonly #spreads: number[] = [];
  #spreadNext = 0;
  #spreadP90: number | undefined;

  constructor(options: RarestFirstOptions) {
    this.#promptFactor = options.promptFactor ?? 2;
    this.#fallbackSpreads = options.fallbackSpreads ?? 2;
    this.#threshold = options.upstreamThreshold ?? 0.5;
    this.#alpha = 1 / (options.upstreamMemory ?? 10);
    this.#upstreamForUrgent = options.upstreamForUrgent ?? true;
  }

  next(view: SchedulerView): Pick | undefined {
    return this.#urgent(view) ?? this.#duplicate(view) ?? this.#reroute(view) ?? this.#rarest(view);
  }

  /** Share of recent chunks `peer` announced before anybody else. */
  #upstreamShare(peer: string): number {
    const entry = this.#upstream.get(peer);
    return entry ? entry.value * (1 - this.#alpha) ** (this.#chunksCounted - entry.at) : 0;
  }

  #isUpstream(peer: string): boolean {
    return this.#upstreamShare(peer) >= this.#threshold;
  }

  #draw(view: SchedulerView, seq: number): number {
    let draw = this.#draws.get(seq);
    if (draw === undefined) {
      if (this.#draws.size > MEMORY_CHUNKS) for (const old of this.#draws.keys()) if (old < view.playhead) this.#draws.delete(old);
      this.#draws.set(seq, (draw = view.random()));
    }
    return draw;
  }

  /** Learns who announces first and how long chunks take to reach a second peer. */
  #learn(view: SchedulerView, seq: number): void {
    const state = this.#counted.get(seq);
    if (state === undefined) {
      const holder = view.firstHolder(seq);
      if (holder === undefined) return;
      if (this.#counted.size > MEMORY_CHUNKS) for (const old of this.#counted.keys()) if (old < view.playhead) this.#counted.delete(old);
      const value = this.#upstreamShare(holder) * (1 - this.#alpha) + this.#alpha;
      this.#chunksCounted += 1;
      this.#upstream.set(holder, { value, at: this.#chunksCounted });
      this.#counted.set(seq, false);
    }
    if (state !== true) {
      // A chunk learnt from a map was not news: how long it took to reach a second peer says
      // when somebody got round to it, not how fast chunks spread.
      if (view.firstSeenInMap(seq)) {
        this.#counted.set(seq, true);
        return;
      }
      const first = view.firstSeenAt(seq);
      const second = view.secondSeenAt(seq);
      if (first === undefined || second === undefined) return;
      this.#spreads[this.#spreadNext] = second - first;
      this.#spreadNext = (this.#spreadNext + 1) % SPREAD_SAMPLES;
      this.#spreadP90 = undefined;
      this.#counted.set(seq, true);
    }
  }

  /** Peers to ask for `seq`: upstream peers only for what nobody else holds (or, if allowed, when nobody else can be asked for an urgent chunk). */
  #holders(view: SchedulerView, seq: number, urgent: boolean): readonly string[] {
    const askable = view.askable(seq);
    if (view.rarity(seq) <= 1) return askable;
    const others = askable.filter((peer) => !this.#isUpstream(peer));
    return others.length > 0 || !(urgent && this.#upstreamForUrgent) ? others : askable;
  }

  /** When a non-urgent chunk may be asked for. */
  #readyAt(view: SchedulerView, seq: number): number {
    this.#learn(view, seq);
    const seen = view.firstSeenAt(seq) ?? view.now;
    // Waiting for a chunk to reach a second peer makes sense only while it is news spreading from
    // its holder. One its holder already had when we met it (every chunk of a finished stream
    // at its publisher) reaches nobody unless somebody asks: wait for it and the whole swarm waits.
    if (view.rarity(seq) > 1 || view.firstSeenInMap(seq)) return seen;
    const holder = view.firstHolder(seq);
    const share = holder === undefined ? 0 : this.#upstreamShare(holder);
    const draw = this.#draw(view, seq);
    // A peer that is first with every chunk is asked promptly by promptFactor/n of its neighbours;
    // one that is rarely first (a relay that just got it) by all of them.
    if (this.#prompt(view, seq, holder, share, draw)) return seen;
    // Nobody near us got it yet: ask anyway, at a random moment between a few spread times from
    // now and the moment it turns urgent, so that the neighbours of its holder do not all ask at once.
    const earliest = seen + this.#fallbackSpreads * this.#spreadTime(view);
    const urgentAt = view.deadline(seq) - view.urgentWindowMs;
    return earliest + draw * Math.max(0, urgentAt - earliest);
  }

  /**
   * Whether to ask `holder` for the fresh `seq` at once: by turns among its neighbours when it is
   * upstream and this viewer knows its own id, else by lot (`draw`), with a chance that falls from
   * 1 for a peer rarely first to promptFactor/n for one always first.
   */
  #prompt(view: SchedulerView, seq: number, holder: string | undefined, share: number, draw: number): boolean {
    const self = view.selfId;
    if (self !== undefined && holder !== undefined && share >= this.#threshold) {
      const neighbours = [self, ...view.peers().filter((peer) => peer !== holder)];
      return hasPromptTurn(neighbours, self, seq, Math.max(1, Math.round(this.#promptFactor)));
    }
    return draw < Math.min(1, this.#promptFactor * Math.max(1, view.peerCount) ** -share);
  }

  /** How long a chunk usually takes to reach a second peer around us (the 90th percentile of recent chunks). */
  #spreadTime(view: SchedulerView): number {
    if (this.#spreads.length === 0) return 2 * view.chunkDurationMs;
    if (this.#spreadP90 === undefined) {
      const sorted = [...this.#spreads].sort((a, b) => a - b);
      this.#spreadP90 = sorted[Math.floor(0.9 * (sorted.length - 1))]!;
    }
    return this.#spreadP90;
  }

  #urgent(view: SchedulerView): Pick | undefined {
    for (const seq of view.candidatesInOrder()) {
      const deadline = view.deadline(seq);
      if (deadline - view.now > view.urgentWindowMs) return undefined;
      const best = fastestPeer(view, this.#holders(view, seq, true));
      // A finished stream waits for every chunk (a stalled playhead's chunk is due "now"), so one
      // that cannot make its deadline is asked for all the same.
      if (best !== undefined && (best.at <= deadline || !view.live)) return { seq, peer: best.peer };
    }
    return undefined;
  }

  #duplicate(view: SchedulerView): Pick | undefined {
    for (const seq of view.duplicateCandidates()) {
      const current = view.inFlight(seq)[0]!;
      const deadline = view.deadline(seq);
      const late = view.now >= current.expectedAt || current.expectedAt > deadline;
      if (!late) {
        view.wakeAt(current.expectedAt);
        continue;
      }
      const best = fastestPeer(view, this.#holders(view, seq, true));
      if (best !== undefined && best.at < deadline) return { seq, peer: best.peer };
    }
    return undefined;
  }

  #reroute(view: SchedulerView): Pick | undefined {
    for (const seq of view.inFlightSeqs()) {
      const asked = view.inFlight(seq);
      if (asked.length !== 1) continue;
      const current = asked[0]!;
      const overdue = view.now > current.expectedAt;
      // Only a request that is late, or waiting on an upstream peer for a chunk others now hold, is worth moving.
      if (!overdue && !(view.rarity(seq) > 1 && this.#isUpstream(current.peer))) continue;
      const remaining = overdue ? view.now - current.startedAt : current.expectedAt - view.now;
      const urgent = view.deadline(seq) - view.now <= view.urgentWindowMs;
      const best = fastestPeer(view, this.#holders(view, seq, urgent));
      if (best === undefined || best.at - view.now >= remaining * REROUTE_GAIN) continue;
      return { seq, peer: best.peer, replace: true };
    }
    return undefined;
  }

  #rarest(view: SchedulerView): Pick | undefined {
    // Nobody can be asked: a peer freeing a slot or ending its rest starts another round.
    if (view.openPeers().length === 0) return undefined;
    let wake = Infinity;
    let pick: Pick | undefined;
    // Fewest holders first, ties at random, read only as far as the first chunk that can be asked for.
    for (const seq of view.candidatesByRarity()) {
      const deadline = view.deadline(seq);
      if (deadline - view.now <= view.urgentWindowMs) continue;
      const at = this.#readyAt(view, seq);
      if (at > view.now) {
        wake = Math.min(wake, at);
        continue;
      }
      const best = fastestPeer(view, this.#holders(view, seq, false));
      if (best !== undefined && best.at <= deadline) {
        pick = { seq, peer: best.peer };
        break;
      }
    }
    if (wake < Infinity) view.wakeAt(wake);
    return pick;
  }
}

/** The default policy: rarest-first with playback deadlines (see the package README). */
export function rarestFirst(options: RarestFirstOptions = {}): Strategy {
  return new RarestFirst(options);
}
