/** Weight of a new sample in the moving averages (as TCP's SRTT uses 1/8). */
const GAIN = 1 / 8;
/** Weight of a new sample in the deviation (as TCP's RTTVAR uses 1/4). */
const DEVIATION_GAIN = 1 / 4;

/** A round trip and a rate, measured or assumed. */
export interface Estimate {
  rttMs: number;
  bytesPerMs: number;
}

/** What the scheduler has measured about one peer: how fast it delivers, how often it fails. */
export class PeerStats {
  /** Smoothed time from request to delivery for a request with nothing of ours ahead of it at this peer. */
  rttMs: number | undefined;
  rttDeviationMs = 0;
  /** Smoothed delivery rate while this peer is busy with our requests, bytes per ms. */
  bytesPerMs: number | undefined;
  /** When the last of our requests to this peer completed. */
  lastDeliveryAt = -Infinity;
  /** When the last delivery or failure was measured. */
  lastSampleAt = -Infinity;
  consecutiveFailures = 0;
  /** The peer is not asked before this time (after failures). */
  backoffUntil = -Infinity;
  /** When the last failure was recorded. */
  #lastFailureAt = -Infinity;
  delivered = 0;
  failed = 0;
  bytes = 0;

  /**
   * Records a delivery. `aheadBytes` were still in flight to this peer when the request was
   * made: a request with nothing ahead measures the round trip, the others measure the rate.
   */
  recordDelivery(startedAt: number, now: number, bytes: number, aheadBytes: number): void {
    const duration = Math.max(0, now - startedAt);
    if (aheadBytes === 0) {
      if (this.rttMs === undefined) {
        this.rttMs = duration;
        this.rttDeviationMs = duration / 2;
      } else {
        this.rttDeviationMs += DEVIATION_GAIN * (Math.abs(duration - this.rttMs) - this.rttDeviationMs);
        this.rttMs += GAIN * (duration - this.rttMs);
      }
    }
    // While pipelined, the time since the previous delivery is this chunk's transfer time.
    const serviceMs = Math.max(1, now - Math.max(startedAt, this.lastDeliveryAt));
    const rate = bytes / serviceMs;
    this.bytesPerMs = this.bytesPerMs === undefined ? rate : this.bytesPerMs + GAIN * (rate - this.bytesPerMs);
    this.lastDeliveryAt = now;
    this.lastSampleAt = now;
    this.consecutiveFailures = 0;
    this.backoffUntil = -Infinity;
    this.delivered += 1;
    this.bytes += bytes;
  }

  /**
   * Records a request cancelled unanswered after `waitedMs` because its chunk was missed or
   * came first from elsewhere: not a failure, but proof that this peer takes longer. As TCP
   * doubles its timeout after a loss, the estimate becomes twice the wait, or stays if higher.
   */
  recordUnanswered(now: number, waitedMs: number): void {
    this.rttMs = Math.max(this.rttMs ?? 0, 2 * waitedMs);
    this.lastSampleAt = now;
  }

  /**
   * Records a timeout or a failed request made at `startedAt`: the peer is rested for a backoff
   * that doubles with each consecutive failure, and its round-trip estimate grows to at least
   * what it failed to meet. Requests already in flight when the previous failure was recorded
   * fail with it, not after it (one slow spell or one closed connection fails every pipelined
   * request at once), so they count once in the streak, as TCP backs off once per window.
   * Returns whether this failure lengthened the streak.
   */
  recordFailure(now: number, startedAt: number, backoffFloorMs: number, backoffCeilingMs: number): boolean {
    const sameSpell = startedAt < this.#lastFailureAt;
    if (!sameSpell) this.consecutiveFailures += 1;
    this.failed += 1;
    this.lastSampleAt = now;
    this.#lastFailureAt = now;
    this.rttMs = Math.max(this.rttMs ?? 0, now - startedAt);
    const backoff = Math.min(backoffCeilingMs, backoffFloorMs * 2 ** (Math.max(1, this.consecutiveFailures) - 1));
    this.backoffUntil = sameSpell ? Math.max(this.backoffUntil, now + backoff) : now + backoff;
    return !sameSpell;
  }

  /** The peer said it is busy: leave it alone until `until`, without counting a failure. */
  rest(until: number): void {
    this.backoffUntil = Math.max(this.backoffUntil, until);
  }

  /**
   * Expected time until a new request completes with `queuedBytes` of ours already in flight
   * here. The round trip includes one chunk's transfer; the queue ahead adds its own. A peer
   * not yet measured is assumed to be like the `prior` (the best measured one, so that it gets
   * tried). The round trip fades with a half-life of `halfLifeMs` while the peer goes unused,
   * so that a peer once congested or silent is tried again later rather than written off.
   */
  expectedMs(queuedBytes: number, prior: Estimate | undefined, now: number, halfLifeMs: number): number {
    const measured = this.rttMs !== undefined;
    const rtt = measured ? this.rttMs! * 0.5 ** (Math.max(0, now - this.lastSampleAt) / halfLifeMs) : (prior?.rttMs ?? 0);
    const rate = this.bytesPerMs ?? prior?.bytesPerMs;
    return rate === undefined ? rtt : rtt + queuedBytes / rate;
  }

  /** Timeout for a request with `queuedBytes` ahead of it, clamped to [floor, ceiling]. */
  timeoutMs(queuedBytes: number, initialMs: number, floorMs: number, ceilingMs: number): number {
    if (this.rttMs === undefined) return Math.min(ceilingMs, Math.max(floorMs, initialMs));
    const queueMs = this.bytesPerMs ? queuedBytes / this.bytesPerMs : 0;
    const timeout = this.rttMs + 4 * this.rttDeviationMs + queueMs;
    return Math.min(ceilingMs, Math.max(floorMs, timeout));
  }
}
