import { streamFingerprint } from '@p2pstream/data';
import { RateMeter, type ClientSnapshot, type WindowPicture } from '@p2pstream/peer-client';
import type { PeerServerStats } from '@p2pstream/peer-server';

/** One peer this viewer exchanges chunks with, as the page's swarm panel lists it. */
export interface SwarmPeer {
  /** `host:port`: the address central listed for a peer fetched from; the socket's for one that only fetches from us. */
  address: string;
  /** It says it is the stream's publisher. */
  source: boolean;
  /** Chunk bytes per second from it, or null when this viewer does not fetch from it. */
  fromBytesPerSecond: number | null;
  /** Chunk bytes per second to it, or null when it does not fetch from this viewer (or cannot be told apart from another peer on its host). */
  toBytesPerSecond: number | null;
  /** Requests to it waiting for an answer. */
  inFlight: number;
}

/** What the swarm panel shows and `/stats.json` serves: one reading a second. */
export interface SwarmReport {
  /** Wall-clock ms of the reading. */
  time: number;
  name: string;
  /** Stream id (the publisher's key), '' until the stream was found. */
  stream: string;
  /** The first 16 hex digits of the stream id in groups of four: how a person compares keys. */
  fingerprint: string;
  /** `looking-up` until central answered, then `playing`, then `ended`. */
  state: 'looking-up' | 'playing' | 'ended';
  live: boolean;
  quality: {
    /** From start to the first chunk played, or null before it. */
    startupMs: number | null;
    /** Chunks played on time ÷ chunks due. */
    continuity: number;
    played: number;
    skipped: number;
    /** Wall clock − the publisher's timestamp of the last chunk played, or null. */
    lagMs: number | null;
    bufferAheadMs: number;
    rebuffers: number;
    bytesFromPublisher: number;
    bytesFromPeers: number;
    /** bytesFromPeers ÷ all bytes fetched, or null before any. */
    fromPeersShare: number | null;
    bytesUploaded: number;
    downloadBytesPerSecond: number;
    uploadBytesPerSecond: number;
  };
  peers: SwarmPeer[];
  window: WindowPicture;
  /** Players on `/stream.ts` (the page's own player is one). */
  players: number;
}

export interface SwarmSources {
  snapshot(): ClientSnapshot;
  uploads(): PeerServerStats;
  players(): number;
  /** Whether central has answered (the stream was found). */
  started(): boolean;
  /** Monotonic ms, for rates. */
  now(): number;
  /** Wall-clock ms, for the report's time. */
  wallClock(): number;
}

/** The host of `host:port` or `[v6]:port`, as a socket reports it (an IPv4 peer on a dual-stack socket is `::ffff:a.b.c.d`). */
function host(address: string): string {
  return address
    .slice(0, address.lastIndexOf(':'))
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/**
 * Turns the client's snapshot and the server's upload counters into the
 * panel's report. Upload rates per connection come from the counters' growth,
 * so `read()` is meant to be called on a steady beat (once a second).
 */
export class SwarmReporter {
  readonly #sources: SwarmSources;
  /** Upload meters by the connection's socket address; pruned to the connections still open. */
  readonly #uploads = new Map<string, { bytes: number; meter: RateMeter }>();
  readonly #uploaded: RateMeter;
  #lastUploaded = 0;

  constructor(sources: SwarmSources) {
    this.#sources = sources;
    this.#uploaded = new RateMeter(sources.now());
  }

  read(): SwarmReport {
    const sources = this.#sources;
    const now = sources.now();
    const { stats, peers, window } = sources.snapshot();
    const uploads = sources.uploads();

    this.#uploaded.add(uploads.bytesUploaded - this.#lastUploaded, now);
    this.#lastUploaded = uploads.bytesUploaded;
    const toByHost = new Map<string, Array<{ address: string; rate: number }>>();
    const open = new Set<string>();
    for (const upload of uploads.peers) {
      if (upload.stream !== stats.stream || !stats.stream) continue;
      open.add(upload.peer);
      let known = this.#uploads.get(upload.peer);
      if (!known) this.#uploads.set(upload.peer, (known = { bytes: 0, meter: new RateMeter(now) }));
      known.meter.add(upload.bytesUploaded - known.bytes, now);
      known.bytes = upload.bytesUploaded;
      const list = toByHost.get(host(upload.peer)) ?? [];
      list.push({ address: upload.peer, rate: known.meter.perSecond(now) });
      toByHost.set(host(upload.peer), list);
    }
    for (const address of this.#uploads.keys()) if (!open.has(address)) this.#uploads.delete(address);

    // A peer both ways holds two connections: ours to its listening port, its own from some port of its host.
    const fetchedHosts = new Map<string, number>();
    for (const peer of peers) fetchedHosts.set(host(peer.address), (fetchedHosts.get(host(peer.address)) ?? 0) + 1);
    const rows: SwarmPeer[] = peers.map((peer) => {
      const to = fetchedHosts.get(host(peer.address)) === 1 ? toByHost.get(host(peer.address)) : undefined;
      return {
        address: peer.address,
        source: peer.source,
        fromBytesPerSecond: peer.bytesPerSecond,
        toBytesPerSecond: to ? to.reduce((sum, { rate }) => sum + rate, 0) : null,
        inFlight: peer.inFlight,
      };
    });
    for (const [uploadHost, list] of toByHost) {
      if (fetchedHosts.get(uploadHost) === 1) continue;
      for (const { address, rate } of list) rows.push({ address, source: false, fromBytesPerSecond: null, toBytesPerSecond: rate, inFlight: 0 });
    }

    const fetched = stats.bytesFromPeers + stats.bytesFromPublisher;
    return {
      time: sources.wallClock(),
      name: stats.name,
      stream: stats.stream,
      fingerprint: streamFingerprint(stats.stream),
      state: !sources.started() ? 'looking-up' : stats.ended ? 'ended' : 'playing',
      live: stats.live,
      quality: {
        startupMs: stats.startupMs,
        continuity: stats.continuity,
        played: stats.played,
        skipped: stats.skipped,
        lagMs: stats.lagMs,
        bufferAheadMs: stats.bufferAheadMs,
        rebuffers: stats.rebuffers,
        bytesFromPublisher: stats.bytesFromPublisher,
        bytesFromPeers: stats.bytesFromPeers,
        fromPeersShare: fetched === 0 ? null : stats.bytesFromPeers / fetched,
        bytesUploaded: uploads.bytesUploaded,
        downloadBytesPerSecond: peers.reduce((sum, peer) => sum + peer.bytesPerSecond, 0),
        uploadBytesPerSecond: this.#uploaded.perSecond(now),
      },
      peers: rows,
      window,
      players: sources.players(),
    };
  }
}
