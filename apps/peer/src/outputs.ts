import { createWriteStream, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { WritableSink, type Sink } from '@p2pstream/peer-client';
import type { HttpOutput } from './http-output.js';
import { OutputError, UserError } from './usage-error.js';

/** How long closing waits for a reader to take what is still queued for it. */
const FLUSH_TIMEOUT_MS = 5_000;
/**
 * What `--out FILE` queues before play-out waits for it (Node's default is 16 KiB, less than one
 * chunk): the chunks queued while one write is under way go out in the next as one `writev`,
 * so a file costs a thread-pool round trip per few chunks instead of one per chunk.
 */
const OUT_FILE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Where `--out` writes: stdout, or a file by its path. */
interface OutTarget {
  stream: Writable;
  /** The path of the file; undefined for stdout. */
  path: string | undefined;
  /** A regular file (not a pipe or a device given as a path), written from its start. */
  regular: boolean;
}

/**
 * Everything `watch` plays to: stdout or a file (`--out`) and players over HTTP
 * (`--http`), as one sink. Stdout is written through `process.stdout`, which
 * writes a pipe without blocking and queues what the pipe cannot take yet (a
 * stream of our own on fd 1 would fail with EAGAIN once the pipe is full, as
 * `process.stdout` makes the pipe non-blocking). So a player that stops reading
 * never stalls this peer (which also serves other peers): a finished stream waits
 * for it, and a live stream drops what would queue past its limit instead of
 * growing. A reader that exits ends the watch with `READER_GONE`.
 */
export class Outputs implements Sink {
  readonly #out: OutTarget | undefined;
  readonly #outSink: WritableSink | undefined;
  readonly #http: HttpOutput | undefined;
  #failure: OutputError | undefined;
  #onFailure: ((error: OutputError) => void) | undefined;

  private constructor(out: OutTarget | undefined, http: HttpOutput | undefined) {
    this.#out = out;
    this.#outSink = out ? new WritableSink(out.stream) : undefined;
    this.#http = http;
    out?.stream.on('error', (error: NodeJS.ErrnoException) => this.#fail(outputError(error, out)));
  }

  /** Opens `--out` (`-` for stdout, or a path) and takes `--http` as it is. */
  static async open(out: string | undefined, http: HttpOutput | undefined): Promise<Outputs> {
    if (out === undefined) return new Outputs(undefined, http);
    if (out === '-') return new Outputs({ stream: process.stdout, path: undefined, regular: false }, http);
    const file = createWriteStream(out, { highWaterMark: OUT_FILE_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      file.once('ready', () => resolve());
      file.once('error', (error: NodeJS.ErrnoException) => reject(new UserError(`cannot write --out ${out}: ${error.code ?? error.message}`)));
    });
    return new Outputs({ stream: file, path: out, regular: statSync(out).isFile() }, http);
  }

  /** Live outputs never wait; finished ones wait for every output to take each chunk. */
  set live(live: boolean) {
    if (this.#http) this.#http.live = live;
  }

  /** `--out FILE` when it is a regular file, so a finished stream's chunks can be read back from it to re-share. */
  get filePath(): string | undefined {
    return this.#out?.regular && !this.#failure ? this.#out.path : undefined;
  }

  /** Chunks a live stream dropped because the reader of --out fell behind. */
  get dropped(): number {
    return this.#outSink?.dropped ?? 0;
  }

  /** Called once if `--out` fails: the player reading stdout exited, or the file cannot be written. */
  onFailure(listener: (error: OutputError) => void): void {
    this.#onFailure = listener;
    if (this.#failure) listener(this.#failure);
  }

  write(data: Uint8Array, inFile?: (position: number) => void, done?: () => void): Promise<void> | void {
    const waits: Array<Promise<void>> = [];
    // The HTTP players' output keeps views of what it was given: with it, `data` is never done.
    const outDone = this.#http ? undefined : done;
    if (this.#outSink && !this.#failure) {
      waits.push(this.#outSink.write(data, this.#out!.regular ? inFile : undefined, outDone).catch((error: unknown) => this.#fail(outputError(error, this.#out!))));
    } else {
      outDone?.();
    }
    const http = this.#http?.write(data);
    if (http) waits.push(http);
    if (waits.length > 0) return Promise.all(waits).then(() => undefined);
  }

  /** Flushes the file or stdout (with a time limit) and closes the file (never stdout), and the HTTP players' responses. */
  async close(): Promise<void> {
    const out = this.#out;
    if (out && !this.#failure && !out.stream.destroyed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        // An empty write's callback runs once everything queued before it is written.
        if (out.path === undefined) out.stream.write(EMPTY, done);
        else out.stream.end(done);
      });
    }
    await this.#http?.close();
  }

  #fail(error: OutputError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#onFailure?.(error);
  }
}

const EMPTY = new Uint8Array(0);

function outputError(error: unknown, out: OutTarget): OutputError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (out.path === undefined && code === 'EPIPE') return new OutputError('READER_GONE', 'the reader of stdout closed it (EPIPE)', { cause: error });
  const why = code ?? (error instanceof Error ? error.message : String(error));
  return new OutputError('OUTPUT_FAILED', `cannot write --out ${out.path ?? '-'}: ${why}`, { cause: error });
}
