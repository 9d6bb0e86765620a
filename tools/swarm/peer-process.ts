import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { ChildWatch, REPO_ROOT, type ProgramExit } from '../testing/index.js';

/**
 * The peer program as real child processes, for the swarm harness and the peer's
 * end-to-end tests. tools/testing's `startProgram` waits for a ready line on stdout
 * and decodes stdout as text; the peer prints its ready line on stderr and writes
 * media (binary) to stdout, so it gets this launcher instead.
 */

/** The peer program's entry, relative to the repository root. */
export const PEER_MAIN = 'apps/peer/src/main.ts';

/** `p2pstream peer ready: watching cam1 on 127.0.0.5:2051`. */
export const PEER_READY = /p2pstream peer ready: (\S+) (\S+) on (\S+):(\d+)/;

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const DEFAULT_RUN_TIMEOUT_MS = 30_000;
/** Stderr kept per process; older text is dropped so a chatty peer cannot fill memory. */
const MAX_KEPT_STDERR = 256 * 1024;

export interface PeerProcessOptions {
  /**
   * `keep`: collect stdout as bytes (for `watch --out -`); `ignore`: send it to /dev/null.
   * @default 'ignore'
   */
  stdout?: 'keep' | 'ignore';
  /**
   * Hands every piece of stdout, as it arrives, to this function instead (e.g. to scan a
   * viewer's media without keeping it); `stdout` is then neither kept nor ignored.
   */
  onStdout?: (piece: Buffer) => void;
  /**
   * `pipe` to feed the program (e.g. `publish --source -`) through `stdin`.
   * @default 'ignore'
   */
  stdin?: 'pipe' | 'ignore';
  /**
   * Wait for the `p2pstream peer ready:` line before resolving; the process is killed
   * and the start rejects when it does not come in time.
   * @default true
   */
  waitReady?: boolean;
  /** @default 30_000 */
  readyTimeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /**
   * Run it on a terminal (a pseudo-terminal from util-linux `script`), as a person at a
   * shell would: what it prints to stdout and stderr both arrive as `stderr()`, and
   * `stdin` types into the terminal. Implies `stdin: 'pipe'`; `stdout` is not kept.
   * @default false
   */
  terminal?: boolean;
  /**
   * Run it in a process group of its own, so a Ctrl-C on the terminal reaches only the
   * parent, which then stops it once: a second SIGINT makes the programs exit at once,
   * without leaving central or flushing their stats.
   * @default false
   */
  detached?: boolean;
  /**
   * The command that runs the peer program, `args` following it: e.g. `npx nx run peer:serve --`,
   * as a user would type it. It runs detached, and stopping it signals its whole process group,
   * so the programs it starts in turn stop too.
   * @default node --conditions=@p2pstream/source --import tsx apps/peer/src/main.ts
   */
  command?: readonly string[];
  /**
   * The directory it runs in, as the directory a user typed the command in.
   * @default the repository root
   */
  cwd?: string;
}

export type PeerExit = ProgramExit;

export interface PeerReady {
  /** `publishing`, `watching`, `relaying`, as the ready line says. */
  action: string;
  name: string;
  host: string;
  port: number;
  /** Date.now() when the ready line was seen. */
  at: number;
}

export interface PeerProcess {
  readonly pid: number;
  readonly args: readonly string[];
  /** Date.now() at spawn. */
  readonly startedAt: number;
  /** Set once the ready line was seen. */
  readonly ready: PeerReady | undefined;
  /** Everything written to stderr so far (the last 256 KiB). */
  stderr(): string;
  /** Everything written to stdout so far (with `stdout: 'keep'`). */
  stdout(): Buffer;
  /** The program's stdin (with `stdin: 'pipe'`). */
  readonly stdin: Writable | null;
  /** Resolves with the first stderr line, written or still to come, that matches. */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<PeerExit>;
  /** Whether the process has exited. */
  readonly hasExited: boolean;
  /** SIGINT (a clean leave), then SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<PeerExit>;
  /** SIGKILL now: a crash, as far as its peers can tell. */
  kill(): Promise<PeerExit>;
  /** A one-line description for error messages: the command and the end of its stderr. */
  describe(): string;
}

const running = new Set<PeerProcess>();

/** Starts `node --conditions=@p2pstream/source --import tsx apps/peer/src/main.ts ...args` from the repository root. */
export async function startPeer(args: readonly string[], options: PeerProcessOptions = {}): Promise<PeerProcess> {
  const command = [...(options.command ?? [process.execPath, '--conditions=@p2pstream/source', '--import', 'tsx', PEER_MAIN]), ...args];
  const env = { ...process.env, ...options.env };
  const child = options.terminal
    ? // -e: exit with the program's status; -f: pass output on at once; the typescript file is not wanted.
      spawn('script', ['-qfec', command.map(shellQuote).join(' '), '/dev/null'], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(command[0]!, command.slice(1), {
        cwd: options.cwd ?? REPO_ROOT,
        env,
        stdio: [options.stdin ?? 'ignore', options.stdout === 'keep' || options.onStdout ? 'pipe' : 'ignore', 'pipe'],
        detached: (options.detached ?? false) || options.command !== undefined,
      });
  const peer = wrap(child, args, {
    terminal: options.terminal ?? false,
    group: options.command !== undefined,
    ...(options.onStdout ? { onStdout: options.onStdout } : {}),
  });
  running.add(peer);
  void peer.exited.then(() => running.delete(peer));
  if (options.waitReady ?? true) {
    const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    try {
      await peer.waitForStderr(PEER_READY, timeoutMs);
    } catch (error) {
      await peer.kill();
      throw new Error(`peer ${args.join(' ')} did not get ready: ${(error as Error).message}\nstderr:\n${peer.stderr()}`, {
        cause: error,
      });
    }
  }
  return peer;
}

export interface PeerRun extends PeerExit {
  stdout: Buffer;
  stderr: string;
}

/** Runs a command that ends by itself (`--help`, an error case, `list`) and returns what it printed. */
export async function runPeer(args: readonly string[], options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<PeerRun> {
  const peer = await startPeer(args, { waitReady: false, stdout: 'keep', ...(options.env ? { env: options.env } : {}) });
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const result = await Promise.race([peer.exited, late]);
  clearTimeout(timer);
  if (result === 'late') {
    await peer.kill();
    throw new Error(`peer ${args.join(' ')} did not exit within ${timeoutMs} ms\nstderr:\n${peer.stderr()}`);
  }
  return { ...result, stdout: peer.stdout(), stderr: peer.stderr() };
}

/** Stops every peer process started here that is still running. */
export async function stopAllPeers(timeoutMs?: number): Promise<void> {
  await Promise.all([...running].map((peer) => peer.stop(timeoutMs)));
}

/** Kills every peer process started here at once, without waiting for a clean exit. */
export function killAllPeersNow(): void {
  for (const peer of running) void peer.kill();
}

function wrap(
  child: ChildProcess,
  args: readonly string[],
  options: { terminal: boolean; group: boolean; onStdout?: (piece: Buffer) => void },
): PeerProcess {
  const startedAt = Date.now();
  const watch = new ChildWatch(child, { group: options.group });
  let err = '';
  /** Characters dropped from the front of `err` to bound memory. */
  let dropped = 0;
  const out: Buffer[] = [];
  let ready: PeerReady | undefined;
  child.stdin?.on('error', () => undefined);
  const onText = (text: string) => {
    err += text;
    if (!ready) {
      const match = completeLines(err).match(PEER_READY);
      if (match) ready = { action: match[1]!, name: match[2]!, host: match[3]!, port: Number(match[4]), at: Date.now() };
    }
    if (err.length > MAX_KEPT_STDERR) {
      dropped += err.length - MAX_KEPT_STDERR;
      err = err.slice(err.length - MAX_KEPT_STDERR);
    }
    watch.changed();
  };
  if (options.terminal) child.stdout!.setEncoding('utf8').on('data', onText);
  else child.stdout?.on('data', options.onStdout ?? ((bytes: Buffer) => out.push(bytes)));
  child.stderr!.setEncoding('utf8').on('data', onText);

  // A line still being written could match too early (a port cut short).
  const waitForStderr = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    watch.waitForMatch(() => (watch.hasExited ? err : completeLines(err)), pattern, timeoutMs);

  return {
    pid: child.pid ?? -1,
    args,
    startedAt,
    get ready() {
      return ready;
    },
    get hasExited() {
      return watch.hasExited;
    },
    stderr: () => err,
    stdout: () => Buffer.concat(out),
    stdin: child.stdin,
    waitForStderr,
    exited: watch.exited,
    stop: (timeoutMs = DEFAULT_STOP_TIMEOUT_MS) => watch.signalAndWait('SIGINT', timeoutMs),
    kill: () => watch.signalAndWait('SIGKILL', DEFAULT_STOP_TIMEOUT_MS),
    describe: () => `peer ${args.join(' ')} (pid ${child.pid}${dropped ? `, ${dropped} chars of stderr dropped` : ''})\nstderr:\n${err.slice(-4000)}`,
  };
}

/** The text up to and including its last newline. */
function completeLines(text: string): string {
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

/** `text` as one word for `sh -c`. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
