/**
 * The command line of a bench script. `-h` / `--help` prints its usage and exits 0; an unknown
 * option, a missing value or a value the script cannot run with prints one line
 * `error: …; see --help` on stderr and exits 2. Both happen before any benchmark work starts:
 * the mistake is the user's, so they get the sentence that says it, not a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '@p2pstream/units';

/** The `options` of parseArgs (@types/node does not export a name for it). */
type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs makes of one option: a string or a boolean, or a list of them with `multiple`. */
type OptionValue<C> = C extends { type: 'boolean' } ? (C extends { multiple: true } ? boolean[] : boolean) : C extends { multiple: true } ? string[] : string;

/** What parseArgs makes of `options`: each option's value, possibly undefined unless it has a default. */
export type OptionValues<O extends ParseArgsOptionsConfig> = {
  -readonly [K in keyof O]: OptionValue<O[K]> | (O[K] extends { default: string | boolean | string[] | boolean[] } ? never : undefined);
};

/**
 * Parses `args` (the process's own by default) against `options` plus `-h, --help`, then hands the
 * values to `read`, which turns them into what the script runs with (throwing a UsageError, e.g.
 * from `parseInteger`, for a bad value). Exits on `--help` and on any usage error.
 */
export function parseBenchArgs<O extends ParseArgsOptionsConfig, R>(
  usage: string,
  options: O,
  read: (values: OptionValues<O>) => R,
  args: readonly string[] = process.argv.slice(2),
): R {
  try {
    const config: ParseArgsConfig = { args, options: { ...options, help: { type: 'boolean', short: 'h' } } };
    const values = parseArgs(config).values as OptionValues<O> & { help?: boolean };
    if (values.help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    return read(values);
  } catch (error) {
    const message = usageErrorMessage(error);
    if (message === undefined) throw error;
    process.stderr.write(`error: ${message}; see --help\n`);
    process.exit(2);
  }
}

/** The sentence for the user when `error` is a mistake on the command line; undefined for anything else (a bug). */
function usageErrorMessage(error: unknown): string | undefined {
  if (error instanceof UsageError) return error.message.replaceAll('\n', ' ');
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  // Node goes on about positionals after `--`, which no bench takes: the first sentence is the news.
  return (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
}
