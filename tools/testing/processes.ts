import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildWatch, type ProgramExit } from './child-watch.js';

export type { ProgramExit } from './child-watch.js';

/** The repository root: programs are started from here so `--import tsx` resolves. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StartProgramOptions {
  /** Extra environment variables, added to this process's environment. */
  env?: Record<string, string>;
  /**
   * A line on stdout that means the program is ready; `startProgram` resolves
   * when it appears. Without one it resolves as soon as the process spawned.
   */
  readyLine?: RegExp;
  /**
   * How long to wait for the ready line before the program is killed and the start rejects.
   * @default 20_000
   */
  timeoutMs?: number;
  /**
   * Node options placed before the entry (e.g. `--expose-gc`).
   * @default []
   */
  nodeArgs?: string[];
  /**
   * `pipe` to feed the program through `write()` / `endInput()`.
   * @default 'ignore'
   */
  stdin?: 'pipe' | 'ignore';
  /**
   * Run it in a process group of its own, so a Ctrl-C on the terminal reaches only the
   * parent, which then stops it once: a second SIGINT makes the programs exit at once,
   * without leaving central or flushing their stats.
   * @default false
   */
  detached?: boolean;
  /**
   * What runs `entry`, which follows it: `[]` runs `entry` itself, as an executable (an
   * installed bin such as `node_modules/.bin/p2pstream-central`, with nothing from this workspace).
   * @default [node, ...nodeArgs, '--conditions=@p2pstream/source', '--import', 'tsx']
   */
  launcher?: readonly string[];
  /**
   * The directory it runs in.
   * @default REPO_ROOT (so `--import tsx` resolves)
   */
  cwd?: string;
}

/** A program started by `startProgram`. */
export interface RunningProgram {
  readonly pid: number;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout line (already written or still to come) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the first matching stdout line that starts after this call. */
  nextLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Writes to the program's stdin (started with `stdin: 'pipe'`). */
  write(text: string | Uint8Array): void;
  /** Closes the program's stdin. */
  endInput(): void;
  /** Settles when the process has exited. */
  readonly exited: Promise<ProgramExit>;
  /** SIGINT, then SIGKILL if it has not exited within `timeoutMs` (default 5 s). */
  stop(timeoutMs?: number): Promise<ProgramExit>;
  /** SIGKILL now: a crash, as far as the program's peers can tell. */
  kill(): Promise<ProgramExit>;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/** Output kept per stream; older output is dropped so a chatty program cannot fill memory. */
const MAX_KEPT_OUTPUT = 1024 * 1024;

const running = new Set<RunningProgram>();

let stateDirs: string | undefined;
let stateDirCount = 0;

/**
 * A state directory of its own for each program started (central keeps its name
 * bindings under P2PSTREAM_STATE_DIR), so tests never share names through the
 * user's real state directory. Removed when the test process exits. A test that
 * restarts a program over the same state passes `--state FILE` itself.
 */
function programStateDir(): string {
  if (stateDirs === undefined) {
    const root = mkdtempSync(join(tmpdir(), 'p2pstream-state-'));
    stateDirs = root;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  stateDirCount += 1;
  return join(stateDirs, String(stateDirCount));
}

/**
 * Starts `node --conditions=@p2pstream/source --import tsx <entry> ...args` (or
 * `<launcher> <entry> ...args`) as a real child process from the repository root, or `cwd` (entry
 * is relative to it, or absolute) and waits for `readyLine` on its stdout. The returned
 * handle keeps its output.
 */
export async function startProgram(
  entry: string,
  args: readonly string[],
  options: StartProgramOptions = {},
): Promise<RunningProgram> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const launcher = options.launcher ?? [process.execPath, ...(options.nodeArgs ?? []), '--conditions=@p2pstream/source', '--import', 'tsx'];
  const command = [...launcher, entry, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, P2PSTREAM_STATE_DIR: programStateDir(), ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  // Writing to a program that has exited must not crash the test process.
  child.stdin?.on('error', () => undefined);
  const program = wrap(child);
  running.add(program);
  void program.exited.then(() => running.delete(program));
  if (options.readyLine) {
    try {
      await program.waitForLine(options.readyLine, timeoutMs);
    } catch (error) {
      await program.kill();
      throw new Error(
        `${entry} ${args.join(' ')} did not print ${options.readyLine} within ${timeoutMs} ms\n` +
          `stdout:\n${program.stdout()}\nstderr:\n${program.stderr()}`,
        { cause: error },
      );
    }
  }
  return program;
}

/** Stops every program started here that is still running (for an `afterAll`). */
export async function stopAllPrograms(): Promise<void> {
  await Promise.all([...running].map((program) => program.stop()));
}

function wrap(child: ChildProcess): RunningProgram {
  const watch = new ChildWatch(child);
  let out = '';
  /** Characters of stdout dropped from the front of `out` to bound memory. */
  let dropped = 0;
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    out += text;
    if (out.length > MAX_KEPT_OUTPUT) {
      dropped += out.length - MAX_KEPT_OUTPUT;
      out = out.slice(out.length - MAX_KEPT_OUTPUT);
    }
    watch.changed();
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    err = (err + text).slice(-MAX_KEPT_OUTPUT);
  });

  /** The first complete or partial stdout line starting at or after absolute offset `from` that matches. */
  const lineAfter = (from: number, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    watch.waitForMatch(() => out.slice(Math.max(0, from - dropped)), pattern, timeoutMs);

  return {
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited: watch.exited,
    waitForLine: (pattern, timeoutMs = DEFAULT_READY_TIMEOUT_MS) => lineAfter(0, pattern, timeoutMs),
    nextLine: (pattern, timeoutMs = DEFAULT_READY_TIMEOUT_MS) => {
      // Only lines that start after this call: after the last newline written so far.
      return lineAfter(dropped + out.lastIndexOf('\n') + 1, pattern, timeoutMs);
    },
    write(text) {
      if (!child.stdin) throw new Error('start the program with stdin: "pipe" to write to it');
      child.stdin.write(text);
    },
    endInput() {
      child.stdin?.end();
    },
    stop: (timeoutMs = DEFAULT_STOP_TIMEOUT_MS) => watch.signalAndWait('SIGINT', timeoutMs),
    kill: () => watch.signalAndWait('SIGKILL', DEFAULT_STOP_TIMEOUT_MS),
  };
}
