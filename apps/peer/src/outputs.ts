import { createWriteStream, type WriteStream } from 'node:fs';
import { WritableSink, type Sink } from '@p2pstream/peer-client';
import type { HttpOutput } from './http-output.js';
import { UserError } from './usage-error.js';

/**
 * Everything `watch` plays to: stdout or a file (`--out`) and players over HTTP
 * (`--http`), as one sink. stdout is written through its file descriptor
 * asynchronously, so a player that stops reading can never stall this peer
 * (which also serves other peers); a live stream then drops what it cannot
 * write instead of growing.
 */
export class Outputs implements Sink {
  readonly #file: WriteStream | undefined;
  readonly #fileSink: WritableSink | undefined;
  readonly #http: HttpOutput | undefined;
  #failure: Error | undefined;
  #onFailure: ((error: Error) => void) | undefined;

  private constructor(file: WriteStream | undefined, http: HttpOutput | undefined) {
    this.#file = file;
    this.#fileSink = file ? new WritableSink(file) : undefined;
    this.#http = http;
    file?.on('error', (error) => this.#fail(error));
  }

  /** Opens `--out` (`-` for stdout, or a path) and takes `--http` as it is. */
  static async open(out: string | undefined, http: HttpOutput | undefined): Promise<Outputs> {
    if (out === undefined) return new Outputs(undefined, http);
    const file = out === '-' ? createWriteStream('', { fd: 1, autoClose: false }) : createWriteStream(out);
    await new Promise<void>((resolve, reject) => {
      if (out === '-') return resolve();
      file.once('ready', () => resolve());
      file.once('error', (error: NodeJS.ErrnoException) => reject(new UserError(`cannot write --out ${out}: ${error.code ?? error.message}`)));
    });
    return new Outputs(file, http);
  }

  /** Live outputs never wait; finished ones wait for every output to take each chunk. */
  set live(live: boolean) {
    if (this.#http) this.#http.live = live;
  }

  /** Chunks a live stream dropped because the reader of --out fell behind. */
  get dropped(): number {
    return this.#fileSink?.dropped ?? 0;
  }

  /** Called once if an output fails (e.g. the player reading stdout exited). */
  onFailure(listener: (error: Error) => void): void {
    this.#onFailure = listener;
    if (this.#failure) listener(this.#failure);
  }

  write(data: Uint8Array): Promise<void> | void {
    const waits: Array<Promise<void>> = [];
    if (this.#fileSink && !this.#failure) waits.push(this.#fileSink.write(data).catch((error: unknown) => this.#fail(error)));
    const http = this.#http?.write(data);
    if (http) waits.push(http);
    if (waits.length > 0) return Promise.all(waits).then(() => undefined);
  }

  /** Flushes and closes the file or stdout (with a time limit), and the HTTP players' responses. */
  async close(): Promise<void> {
    const file = this.#file;
    if (file && !this.#failure && !file.destroyed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        file.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.#http?.close();
  }

  #fail(error: unknown): void {
    if (this.#failure) return;
    this.#failure = error instanceof Error ? error : new Error(String(error));
    this.#onFailure?.(this.#failure);
  }
}
