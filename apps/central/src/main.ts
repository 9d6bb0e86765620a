#!/usr/bin/env node
import { createWriteStream, readFileSync } from 'node:fs';
import { HttpListenError } from '@p2pstream/metrics';
import { startCentral, type Central } from './central.js';
import { UsageError } from '@p2pstream/units';
import { HELP, parseCommandLine, type CommandLine } from './cli.js';
import { CentralStartError } from './errors.js';
import { Log } from './log.js';
import { userDirectory, withAbsolutePaths } from './user-paths.js';

let command: CommandLine;
try {
  command = parseCommandLine(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`central: ${error.message}\nRun with --help for usage.\n`);
  process.exit(2);
}

if (command.action === 'help') {
  process.stdout.write(HELP);
} else if (command.action === 'version') {
  // src/ and dist/ both sit one level below the package.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${version}\n`);
} else {
  const config = withAbsolutePaths(command.config, userDirectory());
  const statsToStdout = config.stats === '-';
  const log = new Log({ lines: statsToStdout ? process.stderr : process.stdout, errors: process.stderr });
  const statsOut = config.stats === undefined ? undefined : statsToStdout ? process.stdout : createWriteStream(config.stats, { flags: 'a' });
  statsOut?.on('error', (error) => log.error(`central: cannot write --stats ${config.stats}: ${error.message}`));

  // Signals are handled from the start: one that arrives while starting stops central once it is up,
  // and none can arrive between the "listening" line and the handler.
  let started: Promise<Central | undefined> = Promise.resolve(undefined);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.error(`central: ${signal} again — exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    void started.catch(() => undefined).then(async (central) => {
      await central?.close();
      log.info(`central stopped (${signal})`);
      statsOut?.end();
      process.exitCode = 0;
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const starting = startCentral(config, { log, ...(statsOut ? { onStats: (stats) => statsOut.write(`${JSON.stringify(stats)}\n`) } : {}) });
  started = starting;
  try {
    const central = await starting;
    const { address, port } = central.address;
    const ws = central.ws ? `; WebSocket at ws://${central.ws.address}:${central.ws.port}/ws` : '';
    const stun = central.stun ? `; STUN at udp://${central.stun.address}:${central.stun.port}` : '';
    const http = central.http ? `; status page at http://${central.http.address}:${central.http.port}/` : '';
    // A browser needs both: the page from --http, the swarm's look-ups and signals through --ws.
    const watchPages = central.http && central.ws ? `; watch pages at http://${central.http.address}:${central.http.port}/watch/NAME` : '';
    const metrics = central.metrics ? `; metrics at http://${central.metrics.address}:${central.metrics.port}/metrics` : '';
    if (!stopping) log.info(`central listening on ${address}:${port} (registry: ${central.registry})${ws}${stun}${http}${watchPages}${metrics}`);
  } catch (error) {
    // Both say what to change (a flag, a service to start): the message is the whole story.
    if (!(error instanceof CentralStartError) && !(error instanceof HttpListenError)) throw error;
    log.error(`central: ${error.message}`);
    process.exit(1);
  }
}
