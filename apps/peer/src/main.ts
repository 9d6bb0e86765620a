#!/usr/bin/env node
// First: the heap's growth is set before anything else allocates.
import './heap-growth.js';
import { readFileSync } from 'node:fs';
import { parseCommandLine, type CommandLine } from './cli.js';
import { Lifecycle } from './lifecycle.js';
import { Log } from './log.js';
import { runList } from './run-list.js';
import { runPublish } from './run-publish.js';
import { runWatch } from './run-watch.js';
import { UsageError } from '@p2pstream/units';
import { UserError } from './usage-error.js';
import { userDirectory, withAbsolutePaths } from './user-paths.js';
import { userMessage } from './user-errors.js';

const log = new Log(process.stderr);

let command: CommandLine;
try {
  command = parseCommandLine(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  log.info(`p2pstream peer: ${error.message}\nRun with --help for usage.`);
  process.exit(2);
}

if (command.action === 'help') {
  process.stdout.write(command.text);
} else if (command.action === 'version') {
  // src/ and dist/ both sit one level below the package.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${version}\n`);
} else {
  const config = withAbsolutePaths(command.config, userDirectory());
  const lifecycle = new Lifecycle(log);
  try {
    if (config.command === 'publish') await runPublish(config, log, lifecycle);
    else if (config.command === 'list') {
      await runList(config, log, lifecycle, process.stdout);
      await lifecycle.stop(0);
    } else await runWatch(config, log, lifecycle);
  } catch (error) {
    if (!(error instanceof UserError) && !(error instanceof UsageError)) log.info(`p2pstream peer: ${(error as Error)?.stack ?? String(error)}`);
    else log.info(`p2pstream peer: ${userMessage(error)}${error instanceof UserError && error.details ? `\n${error.details.trimEnd()}` : ''}`);
    await lifecycle.stop(error instanceof UsageError ? 2 : 1);
  }
  const code = await lifecycle.ended;
  log.clearStatus();
  // Timers and sockets of libraries may linger for a moment; everything that matters was closed and flushed.
  process.exit(code);
}
