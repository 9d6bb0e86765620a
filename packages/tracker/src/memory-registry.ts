import {
  compareStreams,
  peerKey,
  type AnnounceRecord,
  type Candidate,
  type HeadRecord,
  type LookupCandidates,
  type PeerAddress,
  type PublishRecord,
  type PublishOutcome,
  type Registry,
  type RegistryCounts,
  type StreamHead,
  type StreamSummary,
  type SweepResult,
} from './registry.js';
import type { StateFileError } from './errors.js';
import { NameBindingsFile, type NameBinding } from './name-bindings-file.js';
import { pickCandidates } from './peer-sampling.js';

export interface MemoryRegistryOptions {
  /**
   * Source of randomness for picking look-up candidates in large streams.
   * @default Math.random
   */
  random?: () => number;
  /**
   * A file that keeps the name bindings (which key owns which name, and its newest
   * publish) across restarts, written atomically after every change. Read at
   * construction: a file that is not a bindings file throws `STATE_FILE_INVALID`.
   * Peers and edges are not kept: peers announce again within an interval.
   * @default none (every binding is lost when the process stops)
   */
  stateFile?: string;
  /**
   * Told when saving the state file fails (the registry goes on, in memory).
   * @default a process warning
   */
  onStateError?: (error: StateFileError) => void;
}

interface Entry extends Omit<Candidate, 'reachable'> {
  expiresAt: number;
  reachable?: boolean;
}

interface StreamState {
  readonly stream: string;
  readonly name: string;
  live: boolean;
  lastTs: number;
  /** Of the last publish accepted; undefined for a binding restored from the state file. */
  session: string | undefined;
  edge: number;
  /** The newest head stored for `session`. */
  head: StreamHead['head'];
  /** 0 while the stream was never announced or has been swept out of `list`. */
  visibleUntil: number;
  readonly peers: Map<string, Entry>;
}

/**
 * The registry of a single central process. Peers and edges are lost when it
 * stops; name bindings too, unless it keeps them in a `stateFile`.
 */
export class MemoryRegistry implements Registry {
  readonly description = 'memory';
  readonly #random: () => number;
  readonly #stateFile: NameBindingsFile | undefined;
  readonly #names = new Map<string, StreamState>();
  readonly #streams = new Map<string, StreamState>();
  /** Streams that have entries or are within their grace period: what `sweep` and `list` walk. */
  readonly #visible = new Set<StreamState>();
  /** Entries held by visible streams, kept up to date as they come and go, so `counts` walks nothing. */
  #entries = 0;

  constructor(options: MemoryRegistryOptions = {}) {
    this.#random = options.random ?? Math.random;
    if (options.stateFile !== undefined) {
      this.#stateFile = new NameBindingsFile(options.stateFile, options.onStateError ?? ((error) => process.emitWarning(error)));
      for (const { name, stream, live, lastTs } of this.#stateFile.load()) {
        const state: StreamState = { stream, name, live, lastTs, session: undefined, edge: 0, head: undefined, visibleUntil: 0, peers: new Map() };
        this.#streams.set(stream, state);
        this.#names.set(name, state);
      }
    }
  }

  async publish({ name, stream, live, ts, session }: PublishRecord): Promise<PublishOutcome> {
    const holder = this.#names.get(name);
    if (holder && holder.stream !== stream) return { result: 'name-taken', holder: holder.stream };
    const state = this.#streams.get(stream);
    if (state && state.name !== name) return { result: 'key-bound', name: state.name };
    if (state && ts <= state.lastTs) return { result: 'replayed', lastTs: state.lastTs };
    if (state) {
      state.live = live;
      state.lastTs = ts;
      // A head stays true for a re-publish of its session (a publisher that reconnected), never for another.
      if (state.session !== session) state.head = undefined;
      state.session = session;
      state.edge = state.head?.edge ?? 0;
    } else {
      const created: StreamState = { stream, name, live, lastTs: ts, session, edge: 0, head: undefined, visibleUntil: 0, peers: new Map() };
      this.#streams.set(stream, created);
      this.#names.set(name, created);
    }
    this.#stateFile?.save(() => this.#bindings());
    return { result: 'published' };
  }

  async announce(announcement: AnnounceRecord): Promise<boolean> {
    const state = this.#streams.get(announcement.stream);
    if (!state) return false;
    const { host, port, edge, expiresAt } = announcement;
    const key = peerKey(announcement);
    const held = state.peers.get(key);
    if (!held) this.#entries += 1;
    const since = held && held.expiresAt > announcement.announcedAt ? held.since : announcement.announcedAt;
    const reachable = announcement.reachable ?? held?.reachable;
    state.peers.set(key, { host, port, edge, expiresAt, source: announcement.source === true, since, ...(reachable === undefined ? {} : { reachable }) });
    state.edge = Math.max(state.edge, edge);
    if (announcement.live !== undefined) state.live = announcement.live;
    state.visibleUntil = Math.max(state.visibleUntil, announcement.visibleUntil);
    this.#visible.add(state);
    return true;
  }

  async leave(stream: string, peers: readonly PeerAddress[], now: number, visibleUntil: number): Promise<number> {
    const state = this.#streams.get(stream);
    if (!state) return 0;
    let removed = 0;
    for (const peer of peers) if (state.peers.delete(peerKey(peer))) removed += 1;
    this.#entries -= removed;
    if (removed > 0 && this.#visible.has(state) && liveEntries(state, now).length === 0) {
      state.visibleUntil = state.edge > 0 ? visibleUntil : now;
      if (state.visibleUntil <= now) this.#drop(state);
    }
    return removed;
  }

  async streamHead(stream: string): Promise<StreamHead | undefined> {
    const state = this.#streams.get(stream);
    return state && { session: state.session, head: state.head };
  }

  async recordHead(stream: string, { session, edge, ts, at, ended }: HeadRecord): Promise<boolean> {
    const state = this.#streams.get(stream);
    if (!state || state.session !== session || state.head?.ended) return false;
    if (!ended && state.head && ts <= state.head.ts) return false;
    state.head = { edge, ts: ended ? (state.head?.ts ?? 0) : ts, at, ended };
    state.edge = Math.max(state.edge, edge);
    if (ended) state.live = false;
    return true;
  }

  async markReachable(stream: string, peer: PeerAddress, reachable: boolean, now: number): Promise<boolean> {
    const entry = this.#streams.get(stream)?.peers.get(peerKey(peer));
    if (!entry || entry.expiresAt <= now) return false;
    entry.reachable = reachable;
    return true;
  }

  async lookup(name: string, now: number, maxCandidates: number): Promise<LookupCandidates | undefined> {
    const state = this.#names.get(name);
    if (!state) return undefined;
    const live = liveEntries(state, now);
    const candidates = pickCandidates(live, maxCandidates, this.#random).map(({ host, port, edge, source, since, reachable }) => ({
      host,
      port,
      edge,
      source,
      since,
      ...(reachable === undefined ? {} : { reachable }),
    }));
    return { stream: summary(state, live), candidates, session: state.session };
  }

  async list(now: number, limit: number): Promise<StreamSummary[]> {
    return this.#visibleSummaries(now).sort(compareStreams).slice(0, limit);
  }

  /** Exact after a sweep; between sweeps, entries expired since the last one still count. */
  async counts(): Promise<RegistryCounts> {
    return { streams: this.#visible.size, peers: this.#entries };
  }

  async sweep(now: number): Promise<SweepResult> {
    let peers = 0;
    let streams = 0;
    for (const state of this.#visible) {
      let expired = 0;
      for (const [key, entry] of state.peers) {
        if (entry.expiresAt <= now) {
          state.peers.delete(key);
          expired += 1;
        }
      }
      this.#entries -= expired;
      peers += expired;
      if (state.visibleUntil <= now) {
        peers += this.#drop(state);
        streams += 1;
      }
    }
    return { peers, streams };
  }

  /** Takes a stream out of `list` with its entries; returns how many entries went with it. */
  #drop(state: StreamState): number {
    const dropped = state.peers.size;
    this.#entries -= dropped;
    state.peers.clear();
    state.visibleUntil = 0;
    this.#visible.delete(state);
    return dropped;
  }

  /** Resolves once the state file, if any, holds every binding made so far. */
  async close(): Promise<void> {
    await this.#stateFile?.flushed();
  }

  #bindings(): NameBinding[] {
    return [...this.#names.values()].map(({ name, stream, live, lastTs }) => ({ name, stream, live, lastTs }));
  }

  #visibleSummaries(now: number): StreamSummary[] {
    const summaries: StreamSummary[] = [];
    for (const state of this.#visible) {
      if (state.visibleUntil > now) summaries.push(summary(state, liveEntries(state, now)));
    }
    return summaries;
  }
}

function liveEntries(state: StreamState, now: number): Entry[] {
  const live: Entry[] = [];
  for (const entry of state.peers.values()) if (entry.expiresAt > now) live.push(entry);
  return live;
}

function summary(state: StreamState, live: readonly Entry[]): StreamSummary {
  const viewers = live.reduce((count, entry) => count + (entry.source ? 0 : 1), 0);
  return { name: state.name, stream: state.stream, live: state.live, peers: live.length, viewers, edge: state.edge };
}
