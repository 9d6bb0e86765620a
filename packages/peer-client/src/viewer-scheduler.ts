import { Scheduler, type SchedulerOptions } from '@p2pstream/scheduler';
import type { SinkWriter } from './sink-writer.js';
import type { ViewerCounters } from './viewer-stats.js';

/** What a viewer's scheduler reports to. */
export interface SchedulerFollowers {
  /** Play-out, once made (a live scheduler's `played`, `missed` and `ended` go to it). */
  writer(): SinkWriter | undefined;
  counters: ViewerCounters;
  /** Live play-out paused and resumes at `resume` (counted already). */
  onRebuffer?(resume: number): void;
  /** Drops a peer the scheduler gave up on. */
  drop(peer: string, why: string): void;
  onWarning(error: Error): void;
}

/**
 * A viewer's scheduler, its events connected as both viewers need them: when live,
 * the scheduler owns the playhead and the rule and the writer does what it is told;
 * requests that timed out are counted, and a peer that failed repeatedly is dropped.
 */
export function viewerScheduler(options: SchedulerOptions, followers: SchedulerFollowers): Scheduler {
  const scheduler = new Scheduler(options);
  const { counters } = followers;
  if (options.live) {
    scheduler.on('played', ({ seq }) => followers.writer()?.play(seq));
    scheduler.on('missed', ({ seq, cause, peers }) => followers.writer()?.skip(seq, cause, peers));
    scheduler.on('rebuffered', ({ resume }) => {
      counters.rebuffers += 1;
      followers.onRebuffer?.(resume);
    });
    scheduler.on('ended', () => followers.writer()?.finish());
  }
  scheduler.on('timedOut', () => void (counters.timeouts += 1));
  scheduler.on('peerFailing', ({ peer }) => followers.drop(peer, 'it failed repeatedly'));
  scheduler.on('error', (error) => followers.onWarning(error));
  return scheduler;
}
