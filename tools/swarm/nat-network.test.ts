import { execFileSync, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { NatNetwork, type NatHost } from './nat-network.js';
import { runPrefix, shapedNamespaces } from './shaped-network.js';

/**
 * The NAT network on its own: needs root, `ip`, `tc` and `nft` (CI runs as root; `npm run
 * setup` installs nftables). Traffic only between its namespaces, on addresses that exist
 * nowhere else.
 */

const networks: NatNetwork[] = [];
const PORT = 9000;
/** How long a connection attempt that a NAT drops is given before it counts as not made. */
const DIAL_BOUND_MS = 2_000;

afterEach(async () => {
  for (const network of networks.splice(0)) await network.remove();
});

/** Runs a small node script inside a host's namespace; resolves with what it printed once it exits. */
function runIn(host: NatHost, script: string): { output: Promise<string>; printed: () => string } {
  const child = spawn(host.exec[0]!, [...host.exec.slice(1), process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
  const output = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; it printed: ${out}`));
    }, 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
  return { output, printed: () => out };
}

/** A TCP server on every address of the host that prints the address each connection came from, for `ms`. */
function listen(host: NatHost, ms: number): { output: Promise<string>; ready: Promise<void> } {
  const server = runIn(host, `
    require('net').createServer((socket) => { console.log('from ' + socket.remoteAddress); socket.end(); })
      .listen(${PORT}, '0.0.0.0', () => console.log('listening'));
    setTimeout(() => process.exit(0), ${ms});`);
  const ready = (async () => {
    for (let i = 0; i < 200 && !server.printed().includes('listening'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  })();
  return { output: server.output, ready };
}

/** `connected` or `failed CODE` for a TCP connection from `host` to `address`:PORT. */
function dial(host: NatHost, address: string): Promise<string> {
  return runIn(host, `
    const socket = require('net').connect(${PORT}, '${address}', () => { console.log('connected'); process.exit(0); });
    socket.on('error', (error) => { console.log('failed ' + error.code); process.exit(0); });
    setTimeout(() => { console.log('failed TIMEOUT'); process.exit(0); }, ${DIAL_BOUND_MS});`).output;
}

describe('a NAT network', { timeout: 60_000 }, () => {
  it('lets a home host reach the internet from its router\'s address, and nothing on the internet reach it', async () => {
    const network = await NatNetwork.create({
      publicHosts: [{ id: 'pub', address: '10.99.0.2', uplinkBytesPerSecond: null }],
      homes: [{ hosts: [{ id: 'a1', uplinkBytesPerSecond: 125_000 }] }, { hosts: [{ id: 'b1', uplinkBytesPerSecond: null }] }],
    });
    networks.push(network);
    const publisher = network.host('pub');
    const home = network.host('a1');
    const otherHome = network.host('b1');
    expect(home.address).toBe('192.168.1.10');
    expect(home.home?.routerAddress).toMatch(/^10\.99\./);

    // Out: a home host opens TCP to the publisher, which sees the router's address (masquerade).
    const atPublisher = listen(publisher, 8_000);
    await atPublisher.ready;
    expect(await dial(home, publisher.address)).toBe('connected');
    expect(await atPublisher.output).toContain(`from ${home.home!.routerAddress}`);

    // In: neither the publisher nor a host in another home gets to a server in the home.
    const atHome = listen(home, 15_000);
    await atHome.ready;
    expect(await dial(home, '127.0.0.1')).toBe('connected'); // the server is there
    // Even given a route into the home, the publisher gets no further than the router's forward chain.
    execFileSync('ip', ['-n', publisher.namespace, 'route', 'add', '192.168.1.0/24', 'via', home.home!.routerAddress]);
    const inbound = await Promise.all([
      dial(publisher, home.address),
      dial(publisher, home.home!.routerAddress), // the router forwards nothing unasked
      dial(otherHome, home.home!.routerAddress),
    ]);
    for (const result of inbound) expect(result).toMatch(/^failed /);
    expect(await dial(home, '127.0.0.1')).toBe('connected'); // and still there: the dials failed on the way
    expect(await atHome.output).not.toContain('from 10.99.');
  });

  it('removes every namespace it made: the homes\' hosts, the routers, the internet', async () => {
    const network = await NatNetwork.create({
      publicHosts: [{ id: 'c', address: '10.99.0.1', uplinkBytesPerSecond: null }],
      homes: [{ hosts: [{ id: 'x1', uplinkBytesPerSecond: 100_000 }, { id: 'x2', uplinkBytesPerSecond: null }] }],
    });
    expect(await shapedNamespaces()).toEqual(expect.arrayContaining(['br', 'c', 'h1', 'x1', 'x2'].map((id) => `${runPrefix()}${id}`)));
    await network.remove();
    expect((await shapedNamespaces()).filter((name) => name.startsWith(runPrefix()))).toEqual([]);
  });
});
