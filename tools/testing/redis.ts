import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  /**
   * Port to listen on; a free one when left out. Give the port of a stopped
   * server to bring "the same" Redis back (it starts empty: nothing is saved).
   */
  port?: number;
  /**
   * How long to wait for "Ready to accept connections".
   * @default 10_000
   */
  timeoutMs?: number;
}

export interface RedisServer {
  readonly port: number;
  /** The redis-server process, for tests that pause it (SIGSTOP) to play a Redis that hangs. */
  readonly pid: number;
  /** `redis://127.0.0.1:<port>/0` */
  readonly url: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Whether `redis-server` can be run here (`npm run setup` installs it). */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts a throwaway `redis-server` on 127.0.0.1 that keeps nothing on disk
 * (`--save '' --appendonly no`), and waits until it accepts connections.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!hasRedisServer()) {
    throw new Error('redis-server is not installed: run `npm run setup` (it installs it with apt-get)');
  }
  const port = options.port ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`redis-server on port ${port} not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (text: string) => {
      output += text;
      if (output.includes('Ready to accept connections')) done();
    };
    const onExit = () => done(new Error(`redis-server on port ${port} exited:\n${output}`));
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve();
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
  // Keep draining its output so a full pipe can never stall it.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    port,
    pid: child.pid!,
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A paused server (a test's SIGSTOP) would hold SIGTERM until it runs again.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
