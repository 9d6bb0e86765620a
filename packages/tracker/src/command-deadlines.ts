/** A Redis command that got no answer within the registry's command timeout. */
export class CommandTimeoutError extends Error {
  readonly code = 'REDIS_COMMAND_TIMEOUT';

  constructor(timeoutMs: number) {
    super(`no answer from Redis within ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
  }
}

interface Pending {
  readonly deadline: number;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

/**
 * Fails commands that get no answer in time, with one timer for all of them.
 * A timeout per command (node-redis's `AbortSignal.timeout`) cannot be cleared:
 * each one fires later and builds a DOMException, which cost about a sixth of
 * central's CPU under load. Every command here has the same timeout, so
 * deadlines fall due in the order commands were sent: a queue and a timer for
 * its oldest entry are enough.
 */
export class CommandDeadlines {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #pending: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, now: () => number = Date.now) {
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  /** `command`'s answer, or a CommandTimeoutError once the timeout passes without one. */
  track<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: this.#now() + this.#timeoutMs, reject, settled: false };
      this.#pending.push(entry);
      this.#timer ??= this.#arm(this.#timeoutMs);
      command.then(
        (value) => {
          entry.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          entry.settled = true;
          reject(error);
        },
      );
    });
  }

  /** Fails every command still waiting (the connection is being closed). */
  close(error: Error): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (let i = this.#head; i < this.#pending.length; i++) {
      const entry = this.#pending[i]!;
      if (!entry.settled) entry.reject(error);
      entry.settled = true;
    }
    this.#pending = [];
    this.#head = 0;
  }

  #arm(delayMs: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => this.#expire(), delayMs);
    // A registry nobody closed must not keep the process alive for its watchdog.
    timer.unref();
    return timer;
  }

  #expire(): void {
    this.#timer = undefined;
    const now = this.#now();
    while (this.#head < this.#pending.length) {
      const entry = this.#pending[this.#head]!;
      if (!entry.settled && entry.deadline > now) break;
      if (!entry.settled) {
        entry.settled = true;
        entry.reject(new CommandTimeoutError(this.#timeoutMs));
      }
      this.#head += 1;
    }
    // Drop the answered part of the queue once it is most of it, so it never grows with the commands sent.
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#pending.length) this.#timer = this.#arm(Math.max(1, this.#pending[this.#head]!.deadline - now));
  }
}
