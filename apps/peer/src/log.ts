/** Where messages go: stderr (stdout carries only media and the `list` table). */
export interface LogStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Messages repeated within this long are said once. */
const REPEAT_QUIET_MS = 30_000;

/**
 * The program's messages, all on stderr. On a terminal a one-line status is kept
 * below them and rewritten in place; elsewhere the status is a plain line now
 * and then, so logs and tests read line by line.
 */
export class Log {
  readonly #stream: LogStream;
  readonly #now: () => number;
  readonly #lastSaid = new Map<string, number>();
  #status = '';

  constructor(stream: LogStream, now: () => number = Date.now) {
    this.#stream = stream;
    this.#now = now;
  }

  get tty(): boolean {
    return this.#stream.isTTY === true;
  }

  info(message: string): void {
    this.#clear();
    this.#stream.write(`${message}\n`);
    this.#redraw();
  }

  /** Like `info`, but the same message is not said again within 30 s (a central that is down, a peer that keeps failing). */
  warn(message: string): void {
    const now = this.#now();
    const last = this.#lastSaid.get(message);
    if (last !== undefined && now - last < REPEAT_QUIET_MS) return;
    if (this.#lastSaid.size > 256) this.#lastSaid.clear();
    this.#lastSaid.set(message, now);
    this.info(message);
  }

  /** The status: rewritten in place on a terminal, a plain line otherwise. */
  status(line: string): void {
    if (!this.tty) {
      this.#stream.write(`${line}\n`);
      return;
    }
    this.#status = line;
    this.#stream.write(`\r\x1b[K${line}`);
  }

  /** Removes the status line (before exiting). */
  clearStatus(): void {
    this.#clear();
    this.#status = '';
  }

  #clear(): void {
    if (this.tty && this.#status) this.#stream.write('\r\x1b[K');
  }

  #redraw(): void {
    if (this.tty && this.#status) this.#stream.write(this.#status);
  }
}
