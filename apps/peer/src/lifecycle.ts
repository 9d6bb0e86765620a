import type { Log } from './log.js';

type Cleanup = () => unknown;

/**
 * How a command ends: on SIGINT/SIGTERM (a second one exits at once), or when it
 * decides to (a finished stream was written). Cleanups run once, newest first,
 * each given a bounded time, then `ended` resolves with the exit code.
 */
export class Lifecycle {
  readonly ended: Promise<number>;
  readonly #log: Log;
  readonly #cleanups: Cleanup[] = [];
  readonly #abort = new AbortController();
  #resolve!: (code: number) => void;
  #stopping = false;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    if (this.#stopping) {
      this.#log.info(`p2pstream peer: ${signal} again — exiting without cleaning up`);
      process.exit(1);
    }
    void this.stop(0);
  };

  constructor(log: Log) {
    this.#log = log;
    this.ended = new Promise((resolve) => (this.#resolve = resolve));
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** Aborted when stopping begins. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Runs at stop, after the cleanups added later. */
  add(cleanup: Cleanup): void {
    this.#cleanups.push(cleanup);
  }

  async stop(code: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await Promise.race([cleanup(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      } catch (error) {
        this.#log.info(`p2pstream peer: while stopping: ${(error as Error).message}`);
      }
    }
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    this.#resolve(code);
  }
}
