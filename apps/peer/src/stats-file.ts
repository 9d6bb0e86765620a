import { createWriteStream, type WriteStream } from 'node:fs';

/** `--stats FILE`: one JSON object per line, appended. */
export class StatsFile {
  readonly path: string;
  readonly #stream: WriteStream;
  #failed = false;

  constructor(path: string, onError: (error: Error) => void) {
    this.path = path;
    this.#stream = createWriteStream(path, { flags: 'a' });
    this.#stream.on('error', (error) => {
      this.#failed = true;
      onError(error);
    });
  }

  write(record: object): void {
    if (!this.#failed) this.#stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Writes what is queued and closes the file. */
  close(): Promise<void> {
    if (this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#stream.end(() => resolve()));
  }
}
