import { execFileSync, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runPrefix, ShapedNetwork, shapedNamespaces, sweepStaleNetworks } from './shaped-network.js';

/**
 * The shaped network on its own: needs root, `ip` and `tc` (CI runs as root). Traffic
 * only between its namespaces, on addresses that exist nowhere else.
 */

const CAP_BYTES_PER_SECOND = 125_000;
const SEND_MS = 3_000;
const networks: ShapedNetwork[] = [];

afterEach(async () => {
  for (const network of networks.splice(0)) await network.remove();
});

/** Runs a small node script inside a host of the network and returns what it printed. */
function runIn(network: ShapedNetwork, id: string, script: string): Promise<string> {
  const child = spawn(network.host(id).exec[0]!, [...network.host(id).exec.slice(1), process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; it printed: ${out}`));
    }, 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe('a shaped network', { timeout: 60_000 }, () => {
  it('caps what a host sends at its uplink, and leaves what it receives alone', async () => {
    const network = await ShapedNetwork.create({
      hosts: [
        { id: 'capped', address: '10.99.0.1', uplinkBytesPerSecond: CAP_BYTES_PER_SECOND },
        { id: 'free', address: '10.99.0.2', uplinkBytesPerSecond: null },
      ],
    });
    networks.push(network);
    // Each side counts what it receives over SEND_MS while the other sends all it can.
    const receiver = (address: string) => `
      const server = require('net').createServer((socket) => {
        let bytes = 0;
        socket.on('data', (data) => (bytes += data.length));
        setTimeout(() => { console.log(bytes); process.exit(0); }, ${SEND_MS});
      }).listen(9000, '${address}', () => console.log('listening'));`;
    const sender = (address: string) => `
      const socket = require('net').connect(9000, '${address}', () => {
        const block = Buffer.alloc(65536);
        const pump = () => { while (socket.write(block)); socket.once('drain', pump); };
        pump();
      });
      socket.on('error', () => process.exit(0));
      setTimeout(() => process.exit(0), ${SEND_MS + 5_000});`;
    const measure = async (from: string, to: string, toAddress: string) => {
      const received = runIn(network, to, receiver(toAddress));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await runIn(network, from, sender(toAddress));
      return Number((await received).trim().split('\n').at(-1));
    };
    const upload = await measure('capped', 'free', '10.99.0.2');
    const download = await measure('free', 'capped', '10.99.0.1');
    const capBytes = (CAP_BYTES_PER_SECOND * SEND_MS) / 1000;
    // At most the cap plus tbf's bucket and queue; at least half of it (a busy machine).
    expect(upload, 'bytes the capped host sent').toBeLessThan(capBytes * 1.5);
    expect(upload).toBeGreaterThan(capBytes * 0.5);
    expect(download, 'bytes the capped host received').toBeGreaterThan(capBytes * 3);
  });

  it('sets tcp_notsent_lowat in each of its hosts when asked, and leaves the machine\'s own alone', async () => {
    /** The setting as a program run with `prefix` (a host's `exec`; none for the machine) sees it. */
    const sysctl = (prefix: readonly string[]) => {
      const [command, ...args] = [...prefix, 'sysctl', '-n', 'net.ipv4.tcp_notsent_lowat'];
      return execFileSync(command!, args, { encoding: 'utf8' }).trim();
    };
    const own = sysctl([]);
    const network = await ShapedNetwork.create({
      hosts: [
        { id: 'a', address: '10.99.0.1', uplinkBytesPerSecond: CAP_BYTES_PER_SECOND },
        { id: 'b', address: '10.99.0.2', uplinkBytesPerSecond: null },
      ],
      notsentLowatBytes: 16_384,
    });
    networks.push(network);
    expect([sysctl(network.host('a').exec), sysctl(network.host('b').exec)]).toEqual(['16384', '16384']);
    expect(sysctl([])).toBe(own);
  });

  it('removes every namespace it made, with its links, and the machine keeps its own', async () => {
    const linksBefore = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').length;
    const network = await ShapedNetwork.create({ hosts: [{ id: 'a', address: '10.99.0.1', uplinkBytesPerSecond: 100_000 }] });
    expect(await shapedNamespaces()).toEqual(expect.arrayContaining([`${runPrefix()}br`, `${runPrefix()}a`]));
    await network.remove();
    expect((await shapedNamespaces()).filter((name) => name.startsWith(runPrefix()))).toEqual([]);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').length).toBe(linksBefore);
  });

  it("sweeps the namespaces of a run whose harness died, and leaves a live run's alone", async () => {
    const live = await ShapedNetwork.create({ hosts: [{ id: 'a', address: '10.99.0.1', uplinkBytesPerSecond: null }] });
    networks.push(live);
    // A pid that cannot be running: above the kernel's pid_max.
    const dead = `p2ps-${4_194_305}-br`;
    execFileSync('ip', ['netns', 'add', dead]);
    try {
      expect(await sweepStaleNetworks()).toContain(dead);
      expect(await shapedNamespaces()).not.toContain(dead);
      expect(await shapedNamespaces()).toContain(`${runPrefix()}a`);
    } finally {
      execFileSync('sh', ['-c', `ip netns del ${dead} 2>/dev/null || true`]);
    }
  });
});
