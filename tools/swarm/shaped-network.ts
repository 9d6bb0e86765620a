import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * A private network for a shaped swarm: one network namespace per host (central,
 * the publisher, each viewer), each with a veth pair to a Linux bridge in a
 * namespace of its own, addresses from 10.99.0.0/16 that exist only inside these
 * namespaces, and a tbf qdisc on each host's side of its veth capping what the
 * host sends (its uplink). The links are created directly inside the namespaces,
 * so nothing is ever added to, or sent on, the machine's own network; deleting
 * the namespaces removes every link with them. Every name starts with
 * `p2ps-<pid>-`, so leftovers of a run that died can be found and swept.
 */

const run = promisify(execFile);

export type ShapedNetworkProblem = 'NOT_ROOT' | 'IP_MISSING' | 'TC_MISSING' | 'NETNS_NOT_PERMITTED' | 'TBF_UNAVAILABLE' | 'SETUP_FAILED';

/** The shaped network could not be set up; the message is one line saying why. */
export class ShapedNetworkError extends Error {
  readonly code: ShapedNetworkProblem;
  constructor(code: ShapedNetworkProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShapedNetworkError';
    this.code = code;
  }
}

/** Every namespace of every shaped run starts with this, then the harness's pid. */
export const NAMESPACE_PREFIX = 'p2ps-';
/** The bridge's subnet; host addresses are given in it. */
export const SUBNET_PREFIX_LENGTH = 16;
const BRIDGE = 'br0';
const HOST_LINK = 'eth0';
/** Larger than one full-size frame, and at least 10 ms of the rate, so tbf never drops a packet for being bigger than its bucket. */
const MIN_BURST_BYTES = 4 * 1514;
const BURST_SECONDS = 0.01;
const COMMAND_TIMEOUT_MS = 10_000;

/** The prefix of one harness process's namespaces. */
export function runPrefix(pid: number = process.pid): string {
  return `${NAMESPACE_PREFIX}${pid}-`;
}

/** `10.99.A.B` for host `index` (0-based; up to 63,000 hosts). */
export function shapedAddress(index: number): string {
  return `10.99.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

export interface ShapedHostSpec {
  /** Short and unique in the run, used in the namespace's name: `central`, `pub`, `v12`. */
  id: string;
  address: string;
  /** What the host may send, bytes per second; null for no cap. */
  uplinkBytesPerSecond: number | null;
}

export interface ShapedHost extends ShapedHostSpec {
  namespace: string;
  /** The command prefix that runs a program inside the host's namespace. */
  exec: readonly string[];
}

export interface ShapedNetworkOptions {
  hosts: readonly ShapedHostSpec[];
  /**
   * How long a full uplink queue may hold packets (tbf's `latency`): a home router's buffer.
   * @default 400
   */
  queueMs?: number;
  /**
   * Each host's `net.ipv4.tcp_notsent_lowat`: unsent bytes a TCP socket holds before it
   * refuses more, so the rest waits in the program, where it can see it. Unset: the
   * kernel's (unlimited), and a socket's send buffer may hold seconds of a capped uplink.
   */
  notsentLowatBytes?: number;
  /** @default runPrefix() */
  prefix?: string;
  log?: (line: string) => void;
}

export const DEFAULT_UPLINK_QUEUE_MS = 400;

export class ShapedNetwork {
  readonly prefix: string;
  readonly #hosts = new Map<string, ShapedHost>();
  /** Created namespaces, bridge first. */
  readonly #namespaces: string[] = [];
  readonly #onExit = () => this.removeSync();

  private constructor(prefix: string) {
    this.prefix = prefix;
  }

  /**
   * Checks that it can run here (root, `ip`, `tc`, namespaces allowed, tbf), sweeps
   * what dead runs left, and builds the network. Throws ShapedNetworkError, having
   * removed whatever it had created, when it cannot.
   */
  static async create(options: ShapedNetworkOptions): Promise<ShapedNetwork> {
    const log = options.log ?? (() => undefined);
    await checkPrerequisites();
    const swept = await sweepStaleNetworks();
    if (swept.length > 0) log(`removed ${swept.length} namespaces left by dead runs (${swept.join(', ')})`);
    const network = new ShapedNetwork(options.prefix ?? runPrefix());
    process.once('exit', network.#onExit);
    try {
      await network.#build(options.hosts, options.queueMs ?? DEFAULT_UPLINK_QUEUE_MS, options.notsentLowatBytes);
    } catch (error) {
      await network.remove();
      throw error;
    }
    return network;
  }

  host(id: string): ShapedHost {
    const host = this.#hosts.get(id);
    if (!host) throw new Error(`no host "${id}" in the shaped network`);
    return host;
  }

  /** The namespaces it created and has not removed yet. */
  get namespaces(): readonly string[] {
    return [...this.#namespaces];
  }

  async #build(hosts: readonly ShapedHostSpec[], queueMs: number, notsentLowatBytes: number | undefined): Promise<void> {
    const bridge = `${this.prefix}br`;
    try {
      await ip(['netns', 'add', bridge]);
    } catch (error) {
      throw new ShapedNetworkError('NETNS_NOT_PERMITTED', `--shaped cannot create a network namespace here: ${firstLine(error)}`, { cause: error });
    }
    this.#namespaces.push(bridge);
    await ip(['-n', bridge, 'link', 'add', BRIDGE, 'type', 'bridge']);
    await ip(['-n', bridge, 'link', 'set', BRIDGE, 'up']);
    for (const [index, spec] of hosts.entries()) {
      const namespace = `${this.prefix}${spec.id}`;
      const port = `v${index}`;
      await ip(['netns', 'add', namespace]);
      this.#namespaces.push(namespace);
      await ip(['link', 'add', HOST_LINK, 'netns', namespace, 'type', 'veth', 'peer', 'name', port, 'netns', bridge]);
      await ip(['-n', bridge, 'link', 'set', port, 'master', BRIDGE]);
      await ip(['-n', bridge, 'link', 'set', port, 'up']);
      await ip(['-n', namespace, 'addr', 'add', `${spec.address}/${SUBNET_PREFIX_LENGTH}`, 'dev', HOST_LINK]);
      await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      await ip(['-n', namespace, 'link', 'set', HOST_LINK, 'up']);
      if (spec.uplinkBytesPerSecond !== null) await capUplink(namespace, spec.uplinkBytesPerSecond, queueMs);
      // The namespace has its own TCP settings: this changes nothing outside the run.
      if (notsentLowatBytes !== undefined) {
        await run('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', `net.ipv4.tcp_notsent_lowat=${notsentLowatBytes}`], { timeout: COMMAND_TIMEOUT_MS });
      }
      this.#hosts.set(spec.id, { ...spec, namespace, exec: ['ip', 'netns', 'exec', namespace] });
    }
  }

  /** Kills what still runs inside the namespaces and deletes them (with their links); safe to call twice. */
  async remove(): Promise<void> {
    process.off('exit', this.#onExit);
    for (const namespace of [...this.#namespaces].reverse()) {
      await deleteNamespace(namespace);
      this.#namespaces.splice(this.#namespaces.indexOf(namespace), 1);
    }
  }

  /** `remove()` for an exiting process, where nothing asynchronous runs any more. */
  removeSync(): void {
    for (const namespace of [...this.#namespaces].reverse()) deleteNamespaceSync(namespace);
    this.#namespaces.length = 0;
  }
}

/** The namespaces of shaped runs, this one's and others', as `ip netns list` names them. */
export async function shapedNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: COMMAND_TIMEOUT_MS });
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(NAMESPACE_PREFIX));
}

/** Deletes the namespaces of runs whose harness process is gone, and what still runs in them; returns their names. */
export async function sweepStaleNetworks(): Promise<string[]> {
  const stale = (await shapedNamespaces()).filter((name) => {
    const pid = Number(/^p2ps-(\d+)-/.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
  });
  for (const namespace of stale) await deleteNamespace(namespace);
  return stale;
}

async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ShapedNetworkError('NOT_ROOT', '--shaped needs root to create network namespaces (run it as root, e.g. sudo npm run swarm -- --shaped)');
  }
  for (const [command, code] of [
    ['ip', 'IP_MISSING'],
    ['tc', 'TC_MISSING'],
  ] as const) {
    try {
      await run(command, ['-V'], { timeout: COMMAND_TIMEOUT_MS });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ShapedNetworkError(code, `--shaped needs the ${command} command, which is not installed (apt-get install iproute2)`, { cause: error });
      }
    }
  }
}

/** tbf on the host's side of its veth (`link`, eth0 by default): what it sends is held to `bytesPerSecond`. */
export async function capUplink(namespace: string, bytesPerSecond: number, queueMs: number, link: string = HOST_LINK): Promise<void> {
  const burst = Math.max(MIN_BURST_BYTES, Math.round(bytesPerSecond * BURST_SECONDS));
  const args = ['-n', namespace, 'qdisc', 'add', 'dev', link, 'root', 'tbf'];
  args.push('rate', `${Math.round(bytesPerSecond * 8)}bit`, 'burst', String(burst), 'latency', `${queueMs}ms`);
  try {
    await run('tc', args, { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    throw new ShapedNetworkError('TBF_UNAVAILABLE', `--shaped cannot cap an uplink with tbf here: ${firstLine(error)}`, { cause: error });
  }
}

/** Runs `ip ARGS`; a failure is a ShapedNetworkError (SETUP_FAILED) with the command's first line of stderr. */
export async function ip(args: readonly string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof ShapedNetworkError) throw error;
    throw new ShapedNetworkError('SETUP_FAILED', `ip ${args.join(' ')} failed: ${firstLine(error)}`, { cause: error });
  }
}

/** Kills what runs inside `namespace` and deletes it (with its links); already gone is fine. */
export async function deleteNamespace(namespace: string): Promise<void> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', namespace], { timeout: COMMAND_TIMEOUT_MS });
    for (const pid of stdout.split(/\s+/)) if (pid) killQuietly(Number(pid));
    await run('ip', ['netns', 'del', namespace], { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    // Already gone (a second remove(), a sweep racing a run's own cleanup) is fine; anything else is not.
    if (!/No such file|does not exist|Invalid netns name/i.test(firstLine(error))) throw error;
  }
}

/** `deleteNamespace()` for an exiting process, where nothing asynchronous runs any more. */
export function deleteNamespaceSync(namespace: string): void {
  try {
    for (const pid of execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS }).split(/\s+/)) {
      if (pid) killQuietly(Number(pid));
    }
    execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore', timeout: COMMAND_TIMEOUT_MS });
  } catch {
    // Gone already, or nothing more can be done while exiting.
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It exited meanwhile.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first line of a failed command's stderr, or of the error's message. */
export function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return (stderr || (error as Error).message || String(error)).split('\n')[0]!;
}
