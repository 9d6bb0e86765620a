import { resolve } from 'node:path';
import type { CentralConfig } from './cli.js';

/**
 * The directory the user typed the command in, against which relative paths on the
 * command line resolve. `npx nx run central:serve` runs this program in the workspace
 * root and `npm run central` in the root package's directory, whatever the user's
 * directory was; npm records that in INIT_CWD. Anywhere else (an installed bin, a
 * child process of some other npm script) the working directory is the user's.
 */
export function userDirectory(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const launchedFromTheWorkspace = env['NX_TASK_TARGET_PROJECT'] === 'central' || env['npm_lifecycle_event'] === 'central';
  return launchedFromTheWorkspace && env['INIT_CWD'] ? env['INIT_CWD'] : cwd;
}

/** `config` with `--stats FILE` and `--state FILE` made absolute against `directory`; `-` stays stdout. */
export function withAbsolutePaths(config: CentralConfig, directory: string): CentralConfig {
  const stats = config.stats === undefined || config.stats === '-' ? config.stats : resolve(directory, config.stats);
  const state = config.state === undefined ? undefined : resolve(directory, config.state);
  return { ...config, ...(stats === undefined ? {} : { stats }), ...(state === undefined ? {} : { state }) };
}
