import { ProtocolError, TooManyRequestsError, type ConnectionError } from './errors.js';

/** Ids of the other side's requests that wait for our reply; at most `limit` at once. No I/O. */
export class PeerRequests {
  readonly #ids = new Set<number>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#ids.size;
  }

  /** Records request `id`, or returns the error that must close the connection instead. */
  admit(id: number): ConnectionError | undefined {
    if (this.#ids.has(id)) return new ProtocolError('PROTOCOL_VIOLATION', `request id ${id} is already in flight`);
    if (this.#ids.size >= this.#limit) return new TooManyRequestsError(this.#limit);
    this.#ids.add(id);
    return undefined;
  }

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  /** Marks request `id` answered; false if it was not waiting. */
  answer(id: number): boolean {
    return this.#ids.delete(id);
  }

  clear(): void {
    this.#ids.clear();
  }
}
