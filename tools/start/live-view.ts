import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgramExit } from '../testing/index.js';
import { PLAIN_REFRESH_MS, TTY_REFRESH_MS } from './constants.js';
import { ProgramFailedError } from './errors.js';
import type { LocalSwarm, SwarmProgram } from './local-swarm.js';
import { newestPublisherStats, newestViewerStats } from './stats-tail.js';
import { renderStatus } from './status-table.js';

export interface LiveViewOptions {
  /** Where the table goes: redrawn in place when it is a terminal, printed as plain lines otherwise. */
  out: NodeJS.WriteStream;
  /** When the swarm was started (Date.now()), for the elapsed time. */
  startedAt: number;
  /** Ends the view. */
  signal: AbortSignal;
}

/**
 * Shows the live table until `signal` aborts: every second in place on a terminal,
 * every few seconds as plain lines otherwise (a log file, a pipe). Rejects with a
 * ProgramFailedError when central or the publisher stops on its own, since the swarm
 * cannot go on without them; a viewer that stops is shown as stopped.
 */
export async function showLiveTable(swarm: LocalSwarm, options: LiveViewOptions): Promise<void> {
  const { out, signal } = options;
  const tty = out.isTTY === true;
  const stopped = new Map<SwarmProgram, string>();
  for (const program of [swarm.central, swarm.publisher, ...swarm.viewers]) {
    void program.exited.then((exit) => stopped.set(program, describeExit(exit)));
  }
  const fatal = new Promise<never>((_, reject) => {
    for (const program of [swarm.central, swarm.publisher]) {
      void program.exited.then((exit) => {
        if (!signal.aborted) reject(new ProgramFailedError(`${program.role} stopped on its own (${describeExit(exit)}):\n${program.output()}`));
      });
    }
  });
  fatal.catch(() => undefined);

  let drawnLines = 0;
  while (!signal.aborted) {
    await Promise.race([sleep(tty ? TTY_REFRESH_MS : PLAIN_REFRESH_MS, undefined, { signal }).catch(() => undefined), fatal]);
    if (signal.aborted) break;
    const lines = renderStatus({
      elapsedMs: Date.now() - options.startedAt,
      publisherAddress: swarm.publisher.address,
      publisher: await newestPublisherStats(swarm.publisher.statsFile),
      viewers: await Promise.all(
        swarm.viewers.map(async (viewer, index) => ({
          label: String(index + 1),
          address: viewer.address,
          stats: await newestViewerStats(viewer.statsFile),
          ...(stopped.has(viewer) ? { stopped: stopped.get(viewer)! } : {}),
        })),
      ),
    });
    if (tty) {
      // Back to the top of the previous table, then each line over the old one; lines are cut
      // to the terminal's width so that none wraps and throws the count off.
      const width = Math.max(20, (out.columns || 80) - 1);
      out.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A` : ''}${lines.map((line) => `\r${line.slice(0, width)}\x1b[K\n`).join('')}`);
      drawnLines = lines.length;
    } else {
      out.write(`${lines.join('\n')}\n\n`);
    }
  }
}

/** `exited with code 1`, `killed by SIGKILL`. */
export function describeExit(exit: ProgramExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
