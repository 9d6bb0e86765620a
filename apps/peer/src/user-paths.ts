import { resolve } from 'node:path';
import type { ListConfig, PublishConfig, WatchConfig } from './cli.js';

/**
 * The directory the user typed the command in, against which relative paths on the
 * command line resolve. `npx nx run peer:serve` runs this program in the workspace
 * root and `npm run peer` in the root package's directory, whatever the user's
 * directory was; npm records that in INIT_CWD. Anywhere else (an installed bin, a
 * child process of some other npm script) the working directory is the user's.
 */
export function userDirectory(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const launchedFromTheWorkspace = env['NX_TASK_TARGET_PROJECT'] === 'peer' || env['npm_lifecycle_event'] === 'peer';
  return launchedFromTheWorkspace && env['INIT_CWD'] ? env['INIT_CWD'] : cwd;
}

/** `config` with every file flag (`--source`, `--key`, `--out`, `--stats`) made absolute against `directory`; `-` stays stdin/stdout. */
export function withAbsolutePaths(config: PublishConfig | WatchConfig | ListConfig, directory: string): PublishConfig | WatchConfig | ListConfig {
  const path = <T extends string | undefined>(value: T): T => (value === undefined || value === '-' ? value : resolve(directory, value)) as T;
  switch (config.command) {
    case 'list':
      return config;
    case 'publish':
      return { ...config, stats: path(config.stats), source: path(config.source), key: path(config.key) };
    default:
      return { ...config, stats: path(config.stats), out: path(config.out) };
  }
}
