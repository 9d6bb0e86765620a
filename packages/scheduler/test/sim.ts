import { ChunkRefusedError, Scheduler, toBufferMap, type FetchChunk, type SchedulerEvents, type SchedulerOptions } from '../src/index.js';
import { DEFAULT_CHUNK_BYTES } from '../src/constants.js';
import { ManualClock, seededRandom } from '@p2pstream/units';

/**
 * A simulated swarm for scheduler tests: peers with the chunks they announced and a scripted
 * way of answering, a fetch callback that answers on the ManualClock (never on a socket), and a
 * record of every fetch call and every event.
 */

/** How a simulated peer answers one request. */
export type Answer =
  /** Delivers after `after` ms (`bytes` is what the fetch resolves with; the default chunk size if left out). */
  | { after: number; bytes?: number | undefined }
  /** Rejects with `error` after `after` ms. */
  | { after: number; error: unknown }
  /** Delivers after `after` ms even if the request is given up before: an answer already sent cannot be called back. */
  | { after: number; sent: true }
  /** Stays silent; only the scheduler's abort ends the call. */
  | 'never';

export interface AskContext {
  seq: number;
  /** How many times this peer was asked for this chunk before. */
  attempt: number;
  /** The simulated time of the call. */
  now: number;
}

export type Behaviour = (ask: AskContext) => Answer;

export const answersAfter =
  (ms: number, bytes?: number): Behaviour =>
  () => ({ after: ms, bytes });

export const neverAnswers: Behaviour = () => 'never';

/** One call of the fetch callback, as the swarm saw it. */
export interface FetchCall {
  peer: string;
  seq: number;
  at: number;
  /** Whether the peer had announced the chunk (and not taken it back) when it was asked. */
  announced: boolean;
  /** Fetch calls not yet settled when this one was made, this one included. */
  inFlight: number;
  /** The same, counting only calls to this peer. */
  inFlightToPeer: number;
  signal: AbortSignal;
  settled?: { at: number; outcome: 'delivered' | 'rejected' | 'aborted' };
}

type EventName = keyof SchedulerEvents;
type Payload<K extends EventName> = SchedulerEvents[K] extends [infer P] ? P : Record<string, never>;

/** An event the scheduler emitted, with when it did and its position among all events recorded. */
export type Recorded<K extends EventName> = Payload<K> & { at: number; order: number };

const EVENT_NAMES: EventName[] = [
  'requested',
  'delivered',
  'timedOut',
  'failed',
  'cancelled',
  'duplicated',
  'played',
  'missed',
  'rebuffered',
  'stalled',
  'ended',
  'peerFailing',
  'error',
  'close',
];

interface SimPeer {
  announced: Set<number>;
  behaviour: Behaviour;
  asked: Map<number, number>;
}

export type SwarmOptions = Omit<SchedulerOptions, 'fetch' | 'clock'> & {
  /** Seeds the scheduler's tie-breaks unless `random` is given. @default 1 */
  seed?: number;
};

export class Swarm {
  readonly clock = new ManualClock();
  readonly calls: FetchCall[] = [];
  readonly scheduler: Scheduler;
  readonly #peers = new Map<string, SimPeer>();
  readonly #events = new Map<EventName, Recorded<EventName>[]>();
  #order = 0;
  #inFlight = 0;
  readonly #inFlightByPeer = new Map<string, number>();

  constructor(options: SwarmOptions = {}) {
    const { seed = 1, ...rest } = options;
    this.scheduler = new Scheduler({ random: seededRandom(seed), ...rest, clock: this.clock, fetch: this.fetch });
    for (const name of EVENT_NAMES) {
      const list: Recorded<EventName>[] = [];
      this.#events.set(name, list);
      // Listening for `error` also keeps a strategy's error from throwing out of the emitter.
      this.scheduler.on(name, (payload?: object) => {
        const stamp = { at: this.clock.now(), order: this.#order++ };
        // An error is kept as itself (its class and message are not own enumerable fields).
        list.push((name === 'error' ? Object.assign(payload!, stamp) : { ...payload, ...stamp }) as Recorded<EventName>);
      });
    }
  }

  /** Adds a peer holding `held`, answering as `behaviour` says; the scheduler gets its buffer map. */
  addPeer(peer: string, held: Iterable<number>, behaviour: Behaviour): void {
    const announced = new Set(held);
    this.#peers.set(peer, { announced, behaviour, asked: new Map() });
    this.scheduler.addPeer(peer, toBufferMap(announced));
  }

  /** The peer announces one more chunk (a `have`, or with `fromMap` a bit of its map learnt late); nothing once it left. */
  announce(peer: string, seq: number, options: { fromMap?: boolean } = {}): void {
    const sim = this.#peers.get(peer);
    if (!sim) return;
    sim.announced.add(seq);
    this.scheduler.peerHas(peer, seq, options);
  }

  /** The peer leaves the swarm. */
  removePeer(peer: string): void {
    this.#peers.delete(peer);
    this.scheduler.removePeer(peer);
  }

  /** Moves simulated time forward, letting every answer and decision on the way happen. */
  run(ms: number): Promise<number> {
    return this.clock.run(ms);
  }

  /** Every event of one kind, in the order emitted. */
  events<K extends EventName>(name: K): Recorded<K>[] {
    return this.#events.get(name) as Recorded<K>[];
  }

  /** Requested chunk numbers, in the order asked. */
  requestedSeqs(): number[] {
    return this.events('requested').map((event) => event.seq);
  }

  callsTo(peer: string): FetchCall[] {
    return this.calls.filter((call) => call.peer === peer);
  }

  readonly fetch: FetchChunk = (peer, seq, { signal }) => {
    const sim = this.#peers.get(peer);
    const attempt = sim?.asked.get(seq) ?? 0;
    sim?.asked.set(seq, attempt + 1);
    this.#inFlight += 1;
    const toPeer = (this.#inFlightByPeer.get(peer) ?? 0) + 1;
    this.#inFlightByPeer.set(peer, toPeer);
    const call: FetchCall = {
      peer,
      seq,
      at: this.clock.now(),
      announced: sim?.announced.has(seq) ?? false,
      inFlight: this.#inFlight,
      inFlightToPeer: toPeer,
      signal,
    };
    this.calls.push(call);
    return new Promise<number>((resolve, reject) => {
      let timer: unknown;
      const settle = (outcome: 'delivered' | 'rejected' | 'aborted'): boolean => {
        if (call.settled) return false;
        call.settled = { at: this.clock.now(), outcome };
        this.#inFlight -= 1;
        this.#inFlightByPeer.set(peer, this.#inFlightByPeer.get(peer)! - 1);
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      // The fetch contract: stop and reject with the signal's reason when it aborts.
      const onAbort = () => {
        if (settle('aborted')) reject(signal.reason);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      const answer: Answer = sim ? sim.behaviour({ seq, attempt, now: call.at }) : { after: 0, error: new Error(`unknown peer ${peer}`) };
      if (answer === 'never') return;
      if ('sent' in answer) signal.removeEventListener('abort', onAbort);
      timer = this.clock.setTimeout(() => {
        if ('error' in answer) {
          if (!settle('rejected')) return;
          // A peer that refused `not-held` took its announcement back: asking again would be a scheduler bug.
          if (answer.error instanceof ChunkRefusedError && answer.error.reason !== 'busy') sim?.announced.delete(seq);
          reject(answer.error);
        } else if (settle('delivered')) resolve(('bytes' in answer ? answer.bytes : undefined) ?? DEFAULT_CHUNK_BYTES);
      }, answer.after);
    });
  };
}

/** `[from, from + 1, …, to]`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
