import { describe, expect, it } from 'vitest';
import { SchedulerError, Scheduler, toBufferMap, type SchedulerOptions } from '../src/index.js';
import { InvalidArgumentError, SchedulerClosedError } from '../src/errors.js';

const fetch: SchedulerOptions['fetch'] = () => new Promise(() => undefined);

/** Runs `action` and returns what it threw. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('options', () => {
  it('requires a fetch callback', () => {
    const error = thrownBy(() => new Scheduler({} as SchedulerOptions));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toBeInstanceOf(SchedulerError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', name: 'InvalidArgumentError', message: expect.stringMatching(/fetch/) });
  });

  it.each<[Partial<SchedulerOptions>, RegExp]>([
    [{ maxInFlight: 0 }, /maxInFlight must be a positive integer, got 0/],
    [{ maxInFlight: 2.5 }, /maxInFlight must be a positive integer/],
    [{ maxInFlightPerPeer: -1 }, /maxInFlightPerPeer/],
    [{ maxConsecutiveFailures: 0 }, /maxConsecutiveFailures/],
    [{ maxTrackedChunks: 1.5 }, /maxTrackedChunks/],
    [{ maxCandidates: 0 }, /maxCandidates/],
    [{ chunkDurationMs: 0 }, /chunkDurationMs must be a positive number/],
    [{ chunkDurationMs: Number.NaN }, /chunkDurationMs/],
    [{ lookAheadMs: Number.POSITIVE_INFINITY }, /lookAheadMs/],
    [{ initialTimeoutMs: -5 }, /initialTimeoutMs/],
    [{ chunkBytes: 0 }, /chunkBytes/],
    [{ estimateHalfLifeMs: 0 }, /estimateHalfLifeMs/],
    [{ urgentWindowMs: -1 }, /urgentWindowMs must be a non-negative number/],
    [{ startupDelayMs: -1 }, /startupDelayMs/],
    [{ liveOffsetMs: Number.NaN }, /liveOffsetMs/],
    [{ busyRestMs: -1 }, /busyRestMs/],
    [{ duplicateLeadMs: -1 }, /duplicateLeadMs/],
    [{ timeoutFloorMs: 2_000, timeoutCeilingMs: 1_000 }, /timeoutFloorMs \(2000\) exceeds timeoutCeilingMs \(1000\)/],
    [{ backoffFloorMs: 5_000, backoffCeilingMs: 1_000 }, /backoffFloorMs \(5000\) exceeds backoffCeilingMs \(1000\)/],
  ])('refuses %o with a typed error', (options, message) => {
    const error = thrownBy(() => new Scheduler({ fetch, ...options }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as Error).message).toMatch(message);
  });

  it('accepts zero where zero means "none"', () => {
    expect(() => new Scheduler({ fetch, urgentWindowMs: 0, startupDelayMs: 0, liveOffsetMs: 0, busyRestMs: 0, duplicateLeadMs: 0 })).not.toThrow();
  });

  it('fills in the documented defaults', () => {
    const scheduler = new Scheduler({ fetch });
    expect(scheduler.live).toBe(true);
    expect(scheduler.strategy).toBe('rarest-first');
    expect(scheduler.closed).toBe(false);
  });
});

describe('arguments', () => {
  it('refuses bad peer ids, sequence numbers and buffer maps with INVALID_ARGUMENT', () => {
    const scheduler = new Scheduler({ fetch });
    const cases: Array<() => unknown> = [
      () => scheduler.addPeer('', toBufferMap([0])),
      () => scheduler.addPeer('a', { base: -1, bits: new Uint8Array(1) }),
      () => scheduler.addPeer('a', { base: 0, bits: [1] as unknown as Uint8Array }),
      () => scheduler.peerHas('a', -1),
      () => scheduler.peerHas('a', 1.5),
      () => scheduler.markHeld(Number.NaN),
      () => scheduler.setEdge(2 ** 53),
      () => scheduler.setPlayhead(-3),
    ];
    for (const action of cases) expect(thrownBy(action)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses to start or seek once closed, with SCHEDULER_CLOSED', () => {
    const scheduler = new Scheduler({ fetch });
    scheduler.close();
    expect(scheduler.closed).toBe(true);
    expect(thrownBy(() => scheduler.start())).toBeInstanceOf(SchedulerClosedError);
    expect(thrownBy(() => scheduler.setPlayhead(0))).toMatchObject({ code: 'SCHEDULER_CLOSED' });
    // What only informs it is ignored.
    expect(() => scheduler.addPeer('a', toBufferMap([0]))).not.toThrow();
    expect(scheduler.peerHas('a', 1)).toBe(false);
  });

  it('closes when its signal aborts', () => {
    const controller = new AbortController();
    const scheduler = new Scheduler({ fetch, signal: controller.signal });
    let closes = 0;
    scheduler.on('close', () => closes++);
    controller.abort();
    expect(scheduler.closed).toBe(true);
    expect(closes).toBe(1);
    expect(new Scheduler({ fetch, signal: AbortSignal.abort() }).closed).toBe(true);
  });
});
