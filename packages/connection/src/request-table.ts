import type { Message } from '@p2pstream/wire';
import type { Clock } from '@p2pstream/units';
import { RequestTimeoutError } from './errors.js';
import type { RequestType } from './message-types.js';

interface Pending {
  readonly type: RequestType;
  readonly resolve: (reply: Message) => void;
  readonly reject: (reason: unknown) => void;
  readonly timer: unknown;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/** A request waiting for its reply, as handed back by `take`. */
export interface Settle {
  readonly type: RequestType;
  readonly resolve: (reply: Message) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Our requests waiting for replies: rising ids, a timer each (cleared when the
 * reply comes), and rejection of them all when the connection ends. No I/O.
 */
export class RequestTable {
  readonly #clock: Clock;
  readonly #pending = new Map<number, Pending>();
  #lastId = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Registers the next id; its promise settles through `take`, the timeout, the signal or `rejectAll`. */
  open(type: RequestType, timeout: number, signal: AbortSignal | undefined): { id: number; reply: Promise<Message> } {
    const id = ++this.#lastId;
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.take(id);
        reject(new RequestTimeoutError(type, timeout));
      }, timeout);
      const onAbort = signal
        ? () => {
            this.take(id);
            reject(signal.reason);
          }
        : undefined;
      if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, { type, resolve, reject, timer, signal, onAbort });
    });
    return { id, reply };
  }

  /** Removes request `id` (clearing its timer) and returns how to settle it, or undefined if it is not pending. */
  take(id: number): Settle | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    this.#clock.clearTimeout(pending.timer);
    if (pending.onAbort) pending.signal!.removeEventListener('abort', pending.onAbort);
    return pending;
  }

  rejectAll(error: Error): void {
    for (const id of [...this.#pending.keys()]) this.take(id)!.reject(error);
  }
}
