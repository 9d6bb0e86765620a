import type { TrackerClient } from '@p2pstream/tracker-client';
import type { ListConfig } from './cli.js';
import type { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { trackerFor } from './peer-node.js';
import { formatStreams, userMessage } from './user-errors.js';
import { UserError } from './usage-error.js';

/** `list`: the table on stdout (nothing there when nothing is on; stderr says so). */
export async function runList(config: ListConfig, log: Log, lifecycle: Lifecycle, stdout: { write(text: string): unknown }): Promise<void> {
  const tracker = trackerFor(config, log, lifecycle);
  const table = await streamsTable(tracker, lifecycle);
  if (table) stdout.write(table);
  else log.info(`p2pstream peer: nothing is on at ${tracker.central ?? config.centrals.join(', ')} right now`);
}

/**
 * What is on at central, as the table `list` prints ('' when nothing is); `watch` without a
 * name shows the same. A failure is a UserError whose message says why in words.
 */
export async function streamsTable(tracker: TrackerClient, lifecycle: Lifecycle): Promise<string> {
  try {
    return formatStreams(await tracker.list({ signal: lifecycle.signal }));
  } catch (error) {
    throw new UserError(userMessage(error), '', { cause: error });
  }
}
