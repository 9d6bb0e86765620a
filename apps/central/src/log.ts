/** Where log output goes; `process.stdout` and `process.stderr` fit. */
export interface LogStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface LogOptions {
  /** Plain log lines (start, stop). */
  lines: LogStream;
  /** Error lines, and the live status line when it is a terminal. */
  errors: LogStream;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Central's output. Off a terminal every line is plain text with an ISO time,
 * one event per line, for log files and tests. On a terminal the lines carry
 * no time and a status line (streams, peers, rates) is kept below them.
 */
export class Log {
  readonly #lines: LogStream;
  readonly #errors: LogStream;
  readonly #now: () => Date;
  #status = '';

  constructor(options: LogOptions) {
    this.#lines = options.lines;
    this.#errors = options.errors;
    this.#now = options.now ?? (() => new Date());
  }

  info(message: string): void {
    this.#print(this.#lines, message);
  }

  error(message: string): void {
    this.#print(this.#errors, message);
  }

  /** Replaces the status line; does nothing unless the error stream is a terminal. */
  status(line: string): void {
    if (!this.#errors.isTTY) return;
    this.#status = line;
    this.#errors.write(`\r\x1b[K${line}`);
  }

  /** Removes the status line, before the program exits. */
  clearStatus(): void {
    if (!this.#errors.isTTY || !this.#status) return;
    this.#errors.write('\r\x1b[K');
    this.#status = '';
  }

  #print(stream: LogStream, message: string): void {
    if (this.#errors.isTTY && this.#status) this.#errors.write('\r\x1b[K');
    stream.write(stream.isTTY ? `${message}\n` : `${this.#now().toISOString()} ${message}\n`);
    if (this.#errors.isTTY && this.#status) this.#errors.write(this.#status);
  }
}
