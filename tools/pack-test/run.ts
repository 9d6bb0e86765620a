import { execFile } from 'node:child_process';

export interface RunOptions {
  cwd: string;
  /** Killed (and the run rejected) after this long. */
  timeoutMs: number;
  /** The environment; the default is this process's, without npm's `npm_*` variables. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The environment of this process without the `npm_*` variables that `npm test` sets: a
 * nested npm would otherwise take the workspace's settings (its prefix, its command).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}

/** Runs a command to completion and returns its stdout; rejects with both outputs when it fails. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? cleanEnv(), timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.message.split('\n')[0]})\nstdout:\n${stdout}\nstderr:\n${stderr}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}
