import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface RedisClusterOptions {
  /** @default 3 (the fewest masters `redis-cli --cluster create` accepts) */
  masters?: number;
  /**
   * How long to wait for the servers to start and for `cluster_state:ok`.
   * @default 20_000
   */
  timeoutMs?: number;
}

export interface RedisCluster {
  readonly ports: readonly number[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...` as central's `--registry` takes it. */
  readonly url: string;
  /** Stops every server (SIGTERM, then SIGKILL after 5 s) and removes their directories. */
  stop(): Promise<void>;
}

/** Whether `redis-server` and `redis-cli` can be run here (`npm run setup` installs them). */
export function hasRedisCluster(): boolean {
  return ['redis-server', 'redis-cli'].every((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * Starts a throwaway Redis Cluster of masters on 127.0.0.1, each
 * `redis-server --cluster-enabled yes` in a temp directory of its own (for its
 * nodes.conf), joins them with `redis-cli --cluster create`, and waits until
 * every node says `cluster_state:ok`. Anything started is stopped again if
 * that fails.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  if (!hasRedisCluster()) throw new Error('redis-server and redis-cli are not installed: run `npm run setup` (it installs them with apt-get)');
  const masters = options.masters ?? 3;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const nodes: Array<{ port: number; dir: string; stop: () => Promise<void> }> = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await Promise.all(nodes.map((node) => rm(node.dir, { recursive: true, force: true })));
  };
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startClusterNode(deadline));
    const ports = nodes.map((node) => node.port);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: Math.max(1, deadline - Date.now()) },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    for (const port of ports) await waitForClusterOk(port, deadline);
    return { ports, url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startClusterNode(deadline: number): Promise<{ port: number; dir: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'p2pstream-redis-cluster-'));
  const child = spawn(
    'redis-server',
    [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server (cluster node) on port ${port} not ready in time:\n${output}`)), Math.max(1, deadline - Date.now()));
      child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        output += text;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`redis-server (cluster node) on port ${port} exited:\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  child.stderr!.resume();
  return { port, dir, stop };
}

async function waitForClusterOk(port: number, deadline: number): Promise<void> {
  let info = '';
  while (Date.now() < deadline) {
    info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8', timeout: 2_000 }).stdout ?? '';
    if (info.includes('cluster_state:ok')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Redis Cluster node on port ${port} never reached cluster_state:ok:\n${info}`);
}
