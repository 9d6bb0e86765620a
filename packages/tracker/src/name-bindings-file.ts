import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NAME_PATTERN, STREAM_ID_PATTERN } from '@p2pstream/wire';
import { StateFileError } from './errors.js';

/** One name bound to a publisher key, as the state file keeps it. */
export interface NameBinding {
  readonly name: string;
  /** The stream id: the publisher's public key, hex. */
  readonly stream: string;
  /** Whether its last publish was live. */
  readonly live: boolean;
  /** Timestamp of its newest accepted publish: an older one is a replay, across restarts too. */
  readonly lastTs: number;
}

const FORMAT_VERSION = 1;

/**
 * The memory registry's name bindings on disk, so a restarted central still
 * knows which key owns which name (a publish from another key right after a
 * restart must not take it). Read once at start; written whole, atomically
 * (a temporary file renamed over the old one), after every change, one write at
 * a time: a change during a write is saved by the write after it.
 */
export class NameBindingsFile {
  readonly path: string;
  readonly #onError: (error: StateFileError) => void;
  #writing: Promise<void> | undefined;
  #pending: (() => readonly NameBinding[]) | undefined;

  constructor(path: string, onError: (error: StateFileError) => void) {
    this.path = path;
    this.#onError = onError;
  }

  /**
   * The bindings saved before, or none when the file does not exist yet (its
   * directory is created then). Throws `STATE_FILE_INVALID` for a file that is
   * not one this class wrote, rather than starting with the names forgotten.
   */
  load(): NameBinding[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.#invalid(`cannot be read: ${(error as Error).message}`, error);
      try {
        mkdirSync(dirname(this.path), { recursive: true });
      } catch (mkdirError) {
        throw new StateFileError('STATE_FILE_UNWRITABLE', `cannot create the directory of ${this.path}: ${(mkdirError as Error).message}`, { cause: mkdirError });
      }
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw this.#invalid('is not JSON', error);
    }
    const { version, names } = (parsed ?? {}) as { version?: unknown; names?: unknown };
    if (version !== FORMAT_VERSION || !Array.isArray(names)) throw this.#invalid(`is not a version ${FORMAT_VERSION} name bindings file`);
    return names.map((entry: unknown, index) => {
      const { name, stream, live, lastTs } = (entry ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || !NAME_PATTERN.test(name) || typeof stream !== 'string' || !STREAM_ID_PATTERN.test(stream)) {
        throw this.#invalid(`has a bad entry at index ${index}`);
      }
      if (typeof live !== 'boolean' || !Number.isSafeInteger(lastTs)) throw this.#invalid(`has a bad entry at index ${index}`);
      return { name, stream, live, lastTs: lastTs as number };
    });
  }

  /** Saves what `bindings()` returns once the write in progress, if any, is done. */
  save(bindings: () => readonly NameBinding[]): void {
    this.#pending = bindings;
    this.#writing ??= this.#drain();
  }

  /** Resolves once every save asked for so far is on disk (or has failed and been reported). */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      for (let next = this.#pending; next; next = this.#pending) {
        this.#pending = undefined;
        await this.#write(next());
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #write(bindings: readonly NameBinding[]): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, `${JSON.stringify({ version: FORMAT_VERSION, names: bindings })}\n`, { mode: 0o600 });
      await rename(temporary, this.path);
    } catch (error) {
      this.#onError(
        new StateFileError('STATE_FILE_UNWRITABLE', `cannot save the name bindings to ${this.path}: ${(error as Error).message}; names bound since are lost on restart`, {
          cause: error,
        }),
      );
    }
  }

  #invalid(why: string, cause?: unknown): StateFileError {
    return new StateFileError(
      'STATE_FILE_INVALID',
      `the name bindings file ${this.path} ${why} — move it away to start with no names bound, or point --state at another file`,
      cause === undefined ? undefined : { cause },
    );
  }
}
