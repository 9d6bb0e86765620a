import type { ChildProcess } from 'node:child_process';

export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * What the process launchers here (tools/testing's `startProgram`, tools/swarm's
 * `startPeer`) share: the exit of a child process, waiting for a line of its
 * output, and stopping it with a bounded wait.
 */
export class ChildWatch {
  /** Settles when the process has exited (or failed to spawn). */
  readonly exited: Promise<ProgramExit>;
  readonly #child: ChildProcess;
  readonly #group: boolean;
  readonly #watchers = new Set<() => void>();
  #hasExited = false;

  /** `group`: the child was spawned `detached`, leading its own process group; signals go to the whole group. */
  constructor(child: ChildProcess, options: { group?: boolean } = {}) {
    this.#child = child;
    this.#group = options.group ?? false;
    this.exited = new Promise<ProgramExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A spawn failure emits 'error' and no 'exit'.
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    void this.exited.then(() => {
      this.#hasExited = true;
      this.changed();
    });
  }

  get hasExited(): boolean {
    return this.#hasExited;
  }

  /** Call when new output arrived, so pending `waitForMatch` calls look again. */
  changed(): void {
    for (const watcher of this.#watchers) watcher();
  }

  /**
   * Resolves with the first line of `text()` that matches, looking again on every `changed()`;
   * rejects after `timeoutMs` or when the process exits without printing it.
   */
  waitForMatch(text: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const line of text().split('\n')) {
          const match = line.match(pattern);
          if (match) return finish(() => resolve(match));
        }
        if (this.#hasExited) finish(() => reject(new Error(`it exited before printing ${pattern}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#watchers.delete(check);
        settle();
      };
      this.#watchers.add(check);
      check();
    });
  }

  /** Sends `signal`, then SIGKILL if the process has not exited within `timeoutMs`. */
  async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<ProgramExit> {
    if (!this.#hasExited) this.#signal(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const result = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (result !== 'late') return result;
    this.#signal('SIGKILL');
    return this.exited;
  }

  #signal(signal: NodeJS.Signals): void {
    if (!this.#group || this.#child.pid === undefined) {
      this.#child.kill(signal);
      return;
    }
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}
