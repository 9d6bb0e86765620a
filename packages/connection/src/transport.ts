/**
 * The byte pipe a `Connection` runs over: an ordered, reliable duplex with
 * backpressure. It is the subset of `net.Socket` that a connection uses, so a
 * connected TCP socket is a transport as it is — no adapter sits on the hot path,
 * and a chunk still leaves as one `writev` (cork, header, payload, uncork).
 * `createMemoryPair()` (from `@p2pstream/connection/testing`) gives two joined
 * ends in one process; a WebRTC data channel would be a third implementation.
 *
 * Events, in the order a socket gives them: `data` for every read, `drain` when
 * `write()` returned false and there is room again, `end` once the other side
 * has finished writing, `error` when the pipe failed, and `close` last, once.
 */
export interface Transport {
  /** The other side's address as this side sees it (what per-IP limits count and a tracker records). */
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** This side's own address, as the other side sees it as its `remoteAddress`. */
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** False once ended or destroyed: a write then would fail. */
  readonly writable: boolean;
  /** `end()` was called. */
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  /** Bytes written that the other side has not taken yet (as far as this side can tell). */
  readonly writableLength: number;
  /** `write()` returns false from this many buffered bytes on. */
  readonly writableHighWaterMark: number;
  /**
   * Queues bytes; false when `writableLength` reached the high-water mark (wait for `drain`).
   * The bytes are not copied. A transport may call `written` (a socket does, as its `write`
   * callback) once it no longer needs them, with an error if it failed; one that cannot tell
   * never calls it, and then the bytes are never reused.
   */
  write(bytes: Uint8Array, written?: (error?: Error | null) => void): boolean;
  /** Holds writes until `uncork()`, so several go out together. */
  cork(): void;
  uncork(): void;
  /** Ends this side's writing after what is queued (and `bytes`, if given); the other side gets `end`. */
  end(): unknown;
  end(bytes: Uint8Array): unknown;
  /** Closes at once; queued bytes may be lost. With an error, `error` is emitted first. */
  destroy(error?: Error): unknown;
  /** Stops `data` events; what arrives waits (in the kernel, for a socket), which holds the other side's writes back. */
  pause(): unknown;
  /** Reads again after `pause()` (and discards what arrives when there is no `data` listener). */
  resume(): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'end' | 'close' | 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'end' | 'close' | 'drain', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
}
