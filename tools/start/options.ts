import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/index.js';
import { parseLimit } from '../swarm/uplinks.js';
import { DEFAULT_PUBLISHER_LIMIT, DEFAULT_SOURCE, DEFAULT_VIEWERS, MAX_VIEWERS } from './constants.js';
import { parseInteger, UsageError } from '@p2pstream/units';

export const USAGE = `Usage: npm start -- [options]

Starts a whole p2pstream swarm on this machine: central, a live publisher of the
bundled test stream, and viewers on their own 127.0.0.x addresses, one of them
serving the browser player. Shows a live table; Ctrl-C stops everything.

  --viewers N             viewer processes, 1-${MAX_VIEWERS} (default ${DEFAULT_VIEWERS})
  --source FILE|-         MPEG-TS to publish, looped as a live stream (default
                          ${DEFAULT_SOURCE}); - reads a live stream from stdin,
                          e.g. ffmpeg ... -f mpegts - | npm start -- --source -
  --publisher-limit L     the publisher's --upload-limit: a multiple of the stream's
                          rate (3x; FILE only), a rate (6mbit, 750k), or none
                          (default ${DEFAULT_PUBLISHER_LIMIT} for a FILE, none for stdin)
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
  return { help: false, options: { viewers, source, publisherLimit } };
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
