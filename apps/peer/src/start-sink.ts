import { RandomAccessStart } from '@p2pstream/data';
import type { Sink } from '@p2pstream/peer-client';

/**
 * What play-out writes to: the outputs, from a point a player can start at
 * (the PAT and PMT, then a video keyframe; with `--from`, the keyframe at or
 * before that media time). A finished stream played from its first chunk is
 * its own beginning and passes through untouched, so `--out FILE` is an
 * exact copy.
 */
export class StartSink implements Sink {
  readonly #outputs: Sink;
  readonly #start: RandomAccessStart;
  /** Set once the stream is known: a finished stream played from chunk 0 needs no start point. */
  passThrough = false;

  readonly #fromStart: boolean;

  constructor(outputs: Sink, fromMs: number | undefined) {
    this.#outputs = outputs;
    this.#fromStart = fromMs === undefined;
    this.#start = new RandomAccessStart(fromMs === undefined ? {} : { fromMs });
  }

  /** The start point was found (or nothing had to be found). */
  get started(): boolean {
    return this.passThrough || this.#start.started;
  }

  /** Media time seen so far: the stream's length when it ended before the start point. */
  get mediaMs(): number {
    return this.#start.mediaMs;
  }

  /** A live chunk was skipped: what was held before the start point is broken. */
  skipped(): void {
    this.#start.skipped();
  }

  /** The outputs' file, when a finished stream is written to it untouched from its first chunk (no `--from`). */
  get filePath(): string | undefined {
    return this.#fromStart ? this.#outputs.filePath : undefined;
  }

  write(data: Uint8Array, inFile?: (position: number) => void, done?: () => void): Promise<void> | void {
    // Only bytes passed through untouched are where play-out thinks they are; bytes kept to find the start point are never done.
    if (this.passThrough) return this.#outputs.write(data, inFile, done);
    const pieces = this.#start.push(data);
    if (pieces.length === 0) return;
    // More than one piece only once, at the start point.
    return this.#outputs.write(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
  }
}
