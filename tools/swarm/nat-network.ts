import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  capUplink,
  DEFAULT_UPLINK_QUEUE_MS,
  deleteNamespace,
  deleteNamespaceSync,
  firstLine,
  ip,
  runPrefix,
  ShapedNetwork,
  ShapedNetworkError,
  shapedAddress,
  type ShapedHost,
  type ShapedHostSpec,
} from './shaped-network.js';

/**
 * The shaped network with "homes": each home is a router namespace whose WAN side is a
 * host on the run's bridge (10.99.0.0/16, the "internet") and whose LAN is a bridge of its
 * own, 192.168.H.0/24, with the home's hosts behind it. The router masquerades what leaves
 * its WAN side (nftables) and lets nothing in that its LAN did not ask for, as a home
 * router does; hosts on the internet have no route to any LAN. The home's hosts' uplinks
 * are capped with tbf as in the shaped network. Every namespace is named `p2ps-<pid>-…`,
 * so the shaped network's sweep removes a dead run's homes too.
 */

const run = promisify(execFile);
const COMMAND_TIMEOUT_MS = 10_000;
const HOST_LINK = 'eth0';
const LAN_BRIDGE = 'lan';
/** Routers' WAN addresses: 10.99.0.201 upwards, clear of central, the publisher and the public viewers below them. */
const FIRST_ROUTER_INDEX = 200;
export const MAX_HOMES = 40;
/** A home's hosts are 192.168.H.10 upwards, the router .1. */
const FIRST_HOME_HOST = 10;
const MAX_HOSTS_PER_HOME = 200;

export type NatNetworkProblem = 'NOT_ROOT' | 'NFT_MISSING' | 'NAT_SETUP_FAILED';

/** The NAT network could not be set up; the message is one line saying why. */
export class NatNetworkError extends Error {
  readonly code: NatNetworkProblem;
  constructor(code: NatNetworkProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NatNetworkError';
    this.code = code;
  }
}

export interface HomeSpec {
  /** The hosts behind the home's router (`address` is ignored: they get 192.168.H.x). */
  hosts: ReadonlyArray<Omit<ShapedHostSpec, 'address'>>;
}

export interface NatNetworkOptions {
  /** Hosts on the internet side (central, the publisher, public viewers). */
  publicHosts: readonly ShapedHostSpec[];
  homes: readonly HomeSpec[];
  /** tbf's queue on each capped uplink, ms. @default 400 */
  queueMs?: number;
  /** @default runPrefix() */
  prefix?: string;
  log?: (line: string) => void;
}

export interface NatHost extends ShapedHost {
  /** The home (1-based) it sits in, with the router's WAN address (what the internet sees); null for a public host. */
  home: { index: number; routerAddress: string } | null;
}

/** What each home's router runs: masquerade out of the WAN side, nothing in that was not asked for. */
function routerRuleset(): string {
  return `table ip p2ps_home {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "${HOST_LINK}" masquerade; }
  chain forward { type filter hook forward priority filter; policy drop; ct state established,related accept; iifname "${LAN_BRIDGE}" oifname "${HOST_LINK}" accept; }
  chain input { type filter hook input priority filter; policy drop; ct state established,related accept; iifname { "lo", "${LAN_BRIDGE}" } accept; }
}`;
}

export class NatNetwork {
  readonly #shaped: ShapedNetwork;
  readonly #hosts = new Map<string, NatHost>();
  /** The homes' hosts' namespaces (the routers are the shaped network's). */
  readonly #namespaces: string[] = [];
  readonly #onExit = () => this.removeSync();

  private constructor(shaped: ShapedNetwork) {
    this.#shaped = shaped;
  }

  /**
   * Checks that it can run here (root, `nft`, and what the shaped network needs), builds
   * the internet with the public hosts and the routers, then each home. Throws
   * NatNetworkError or ShapedNetworkError, having removed whatever it had created, when it cannot.
   */
  static async create(options: NatNetworkOptions): Promise<NatNetwork> {
    if (options.homes.length > MAX_HOMES) throw new RangeError(`at most ${MAX_HOMES} homes, not ${options.homes.length}`);
    for (const home of options.homes) {
      if (home.hosts.length > MAX_HOSTS_PER_HOME) throw new RangeError(`at most ${MAX_HOSTS_PER_HOME} hosts in a home, not ${home.hosts.length}`);
    }
    await checkNatPrerequisites();
    const queueMs = options.queueMs ?? DEFAULT_UPLINK_QUEUE_MS;
    const routers = options.homes.map((_, index) => ({ id: `h${index + 1}`, address: shapedAddress(FIRST_ROUTER_INDEX + index), uplinkBytesPerSecond: null }));
    const shaped = await ShapedNetwork.create({
      hosts: [...options.publicHosts, ...routers],
      queueMs,
      prefix: options.prefix ?? runPrefix(),
      ...(options.log ? { log: options.log } : {}),
    });
    const network = new NatNetwork(shaped);
    process.once('exit', network.#onExit);
    try {
      for (const spec of options.publicHosts) network.#hosts.set(spec.id, { ...shaped.host(spec.id), home: null });
      for (const [index, home] of options.homes.entries()) await network.#buildHome(index + 1, shaped.host(routers[index]!.id), home, queueMs);
    } catch (error) {
      await network.remove();
      if (error instanceof ShapedNetworkError && error.code === 'SETUP_FAILED') throw new NatNetworkError('NAT_SETUP_FAILED', error.message, { cause: error });
      throw error;
    }
    return network;
  }

  host(id: string): NatHost {
    const host = this.#hosts.get(id);
    if (!host) throw new Error(`no host "${id}" in the NAT network`);
    return host;
  }

  get prefix(): string {
    return this.#shaped.prefix;
  }

  /** Every namespace it created and has not removed yet: the internet's (bridge, public hosts, routers), then the homes' hosts. */
  get namespaces(): readonly string[] {
    return [...this.#shaped.namespaces, ...this.#namespaces];
  }

  /** The private address of host `position` (0-based) in home `home` (1-based). */
  static homeAddress(home: number, position: number): string {
    return `192.168.${home}.${FIRST_HOME_HOST + position}`;
  }

  async #buildHome(index: number, router: ShapedHost, home: HomeSpec, queueMs: number): Promise<void> {
    const lanPrefix = `192.168.${index}`;
    await ip(['-n', router.namespace, 'link', 'add', LAN_BRIDGE, 'type', 'bridge']);
    await ip(['-n', router.namespace, 'addr', 'add', `${lanPrefix}.1/24`, 'dev', LAN_BRIDGE]);
    await ip(['-n', router.namespace, 'link', 'set', LAN_BRIDGE, 'up']);
    await inNamespace(router.namespace, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    try {
      await inNamespace(router.namespace, ['nft', routerRuleset()]);
    } catch (error) {
      throw new NatNetworkError('NAT_SETUP_FAILED', `--nat cannot set up masquerade with nftables here: ${firstLine(error)}`, { cause: error });
    }
    for (const [position, spec] of home.hosts.entries()) {
      const namespace = `${this.prefix}${spec.id}`;
      const address = NatNetwork.homeAddress(index, position);
      const port = `p${position}`;
      await ip(['netns', 'add', namespace]);
      this.#namespaces.push(namespace);
      await ip(['link', 'add', HOST_LINK, 'netns', namespace, 'type', 'veth', 'peer', 'name', port, 'netns', router.namespace]);
      await ip(['-n', router.namespace, 'link', 'set', port, 'master', LAN_BRIDGE]);
      await ip(['-n', router.namespace, 'link', 'set', port, 'up']);
      await ip(['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', HOST_LINK]);
      await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      await ip(['-n', namespace, 'link', 'set', HOST_LINK, 'up']);
      await ip(['-n', namespace, 'route', 'add', 'default', 'via', `${lanPrefix}.1`]);
      if (spec.uplinkBytesPerSecond !== null) await capUplink(namespace, spec.uplinkBytesPerSecond, queueMs);
      this.#hosts.set(spec.id, {
        ...spec,
        address,
        namespace,
        exec: ['ip', 'netns', 'exec', namespace],
        home: { index, routerAddress: router.address },
      });
    }
  }

  /** Kills what still runs inside the namespaces and deletes them, homes first; safe to call twice. */
  async remove(): Promise<void> {
    process.off('exit', this.#onExit);
    for (const namespace of [...this.#namespaces].reverse()) {
      await deleteNamespace(namespace);
      this.#namespaces.splice(this.#namespaces.indexOf(namespace), 1);
    }
    await this.#shaped.remove();
  }

  /** `remove()` for an exiting process. */
  removeSync(): void {
    for (const namespace of [...this.#namespaces].reverse()) deleteNamespaceSync(namespace);
    this.#namespaces.length = 0;
    this.#shaped.removeSync();
  }
}

async function checkNatPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new NatNetworkError('NOT_ROOT', '--nat needs root to create network namespaces and NAT rules (run it as root, e.g. sudo npm run swarm -- --nat)');
  }
  try {
    await run('nft', ['--version'], { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NatNetworkError('NFT_MISSING', '--nat needs the nft command for its home routers, which is not installed (apt-get install nftables, or npm run setup)', { cause: error });
    }
    throw error;
  }
}

async function inNamespace(namespace: string, command: readonly string[]): Promise<void> {
  await run('ip', ['netns', 'exec', namespace, ...command], { timeout: COMMAND_TIMEOUT_MS });
}
