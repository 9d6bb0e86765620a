import { describe, expect, it } from 'vitest';
import { answersAfter, range, Swarm } from './sim.js';

describe('pauseRequests', () => {
  it('makes no new request while paused, lets those in flight deliver, and requests again on resume', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000, maxInFlightPerPeer: 2 });
    swarm.addPeer('a', range(0, 19), answersAfter(100));
    swarm.scheduler.start();
    await swarm.run(0);
    expect(swarm.calls).toHaveLength(2);

    swarm.scheduler.pauseRequests();
    expect(swarm.scheduler.requestsPaused).toBe(true);
    await swarm.run(1_000);
    // The two asked before the pause came; nothing else was asked.
    expect(swarm.calls).toHaveLength(2);
    expect(swarm.events('delivered')).toHaveLength(2);
    expect(swarm.scheduler.stats.inFlight).toBe(0);

    swarm.scheduler.resumeRequests();
    expect(swarm.scheduler.requestsPaused).toBe(false);
    await swarm.run(0);
    expect(swarm.calls).toHaveLength(4);
    await swarm.run(1_000);
    expect(swarm.events('delivered')).toHaveLength(20);
  });

  it('a pause before start holds the first requests back too', async () => {
    const swarm = new Swarm({ live: false, startupDelayMs: 60_000 });
    swarm.addPeer('a', range(0, 3), answersAfter(10));
    swarm.scheduler.pauseRequests();
    swarm.scheduler.start();
    await swarm.run(500);
    expect(swarm.calls).toHaveLength(0);
    swarm.scheduler.resumeRequests();
    await swarm.run(500);
    expect(swarm.events('delivered')).toHaveLength(4);
  });
});
