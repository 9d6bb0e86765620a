import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/index.js';
import { parseLimit } from '../swarm/uplinks.js';
import { DEFAULT_BIND, DEFAULT_PUBLISHER_LIMIT, DEFAULT_SOURCE, DEFAULT_VIEWERS, MAX_VIEWERS, WATCH_PORT, WS_PORT } from './constants.js';
import { parseInteger, UsageError } from '@p2pstream/units';

export const USAGE = `Usage: npm start -- [options]

Starts a whole p2pstream swarm on this machine: central, a live publisher of the
bundled test stream, and viewers on their own 127.0.0.x addresses, one of them
serving the browser player. Central serves the watch page, which plays the stream
in a browser from the swarm. Shows a live table; Ctrl-C stops everything.

  --viewers N             viewer processes, 1-${MAX_VIEWERS} (default ${DEFAULT_VIEWERS})
  --source FILE|-         MPEG-TS to publish, looped as a live stream (default
                          ${DEFAULT_SOURCE}); - reads a live stream from stdin,
                          e.g. ffmpeg ... -f mpegts - | npm start -- --source -
  --publisher-limit L     the publisher's --upload-limit: a multiple of the stream's
                          rate (3x; FILE only), a rate (6mbit, 750k), or none
                          (default ${DEFAULT_PUBLISHER_LIMIT} for a FILE, none for stdin)
  --bind ADDRESS          where central's watch page (port ${WATCH_PORT}) and WebSocket
                          (port ${WS_PORT}) listen: 0.0.0.0 lets other machines on the LAN
                          open the watch page, and the LAN URL is printed (default
                          ${DEFAULT_BIND}: this machine only)
  -h, --help              show this help

Every process is the program a user runs (npx nx run central:serve, peer:serve);
their commands are printed at start.
`;

/** What the publisher may upload: `none`, a multiple of the stream's rate, or a rate. */
export type PublisherLimit = { kind: 'none' } | { kind: 'multiple'; text: string } | { kind: 'rate'; bytesPerSecond: number };

export interface StartOptions {
  viewers: number;
  /** An absolute path, or `-` for stdin. */
  source: string;
  publisherLimit: PublisherLimit;
  /** An IP address of this machine, or 0.0.0.0 / :: for every interface. */
  bind: string;
}

/** `--help`, or the options to start with. Throws a UsageError for anything else. */
export function parseStartArgs(argv: readonly string[]): { help: true } | { help: false; options: StartOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        viewers: { type: 'string', default: String(DEFAULT_VIEWERS) },
        source: { type: 'string' },
        'publisher-limit': { type: 'string' },
        bind: { type: 'string', default: DEFAULT_BIND },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if (values.help) return { help: true };

  const viewers = parseInteger('--viewers', values.viewers, 1, MAX_VIEWERS);
  // npm runs scripts from the repository root and says where it was started in INIT_CWD.
  const source =
    values.source === undefined ? resolve(REPO_ROOT, DEFAULT_SOURCE) : values.source === '-' ? '-' : resolve(process.env.INIT_CWD ?? process.cwd(), values.source);
  if (source !== '-' && !existsSync(source)) throw new UsageError(`--source ${values.source}: there is no such file (${source})`);
  const publisherLimit = parsePublisherLimit(values['publisher-limit'] ?? (source === '-' ? 'none' : DEFAULT_PUBLISHER_LIMIT));
  if (source === '-' && publisherLimit.kind === 'multiple') {
    throw new UsageError(`--publisher-limit ${publisherLimit.text} needs the stream's rate, which stdin does not tell; give a rate such as 6mbit`);
  }
  const bind = values.bind.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bind) === 0) throw new UsageError(`--bind takes an IP address of this machine, or 0.0.0.0 for every interface, not "${values.bind}"`);
  return { help: false, options: { viewers, source, publisherLimit, bind } };
}

function parsePublisherLimit(text: string): PublisherLimit {
  if (text.trim().toLowerCase() === 'none') return { kind: 'none' };
  try {
    // The multiple is checked against a stand-in rate here and resolved once the source's rate is known.
    const bytesPerSecond = parseLimit('--publisher-limit', text, 1);
    return /x$/i.test(text.trim()) ? { kind: 'multiple', text } : { kind: 'rate', bytesPerSecond };
  } catch (error) {
    throw new UsageError(`--publisher-limit takes a multiple of the stream's rate (3x), a rate (6mbit, 750k) or none, not "${text}"`, { cause: error });
  }
}
