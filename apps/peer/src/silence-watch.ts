/**
 * Notices a live stream that stopped growing: no new chunk from anyone for
 * `silenceMs`. A publisher that stops cleanly signs its end; one that vanished
 * (killed, its machine gone) leaves only this silence. Reports it once per
 * silence; a chunk arriving afterwards starts a new count.
 */
export class SilenceWatch {
  readonly silenceMs: number;
  #edge = -1;
  #since: number;
  #reported = false;

  constructor(silenceMs: number, now: number) {
    this.silenceMs = silenceMs;
    this.#since = now;
  }

  /** `edge`: one past the newest chunk held now. True when the stream has just been silent for `silenceMs`. */
  check(edge: number, now: number): boolean {
    if (edge > this.#edge) {
      this.#edge = edge;
      this.#since = now;
      this.#reported = false;
      return false;
    }
    if (this.#reported || now - this.#since < this.silenceMs) return false;
    this.#reported = true;
    return true;
  }
}
