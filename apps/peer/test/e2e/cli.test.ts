import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from '../../../../tools/testing/index.js';
import { PEER_READY, runPeer, startPeer } from '../../../../tools/swarm/peer-process.js';
import { exitWithin, fixture, FIXTURE, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir } from './processes.js';

const BLOCK = 7;
const COMMON_FLAGS = ['--central', '--host', '--port', '--upload-limit', '--max-peers', '--stats', '--help'];
const COMMAND_FLAGS: Record<string, string[]> = {
  publish: ['--source', '--realtime', '--bitrate', '--loop', '--key', '--format'],
  watch: ['--out', '--http', '--from', '--behind'],
  relay: [],
  list: [],
};

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await stopEverything();
}, 30_000);

/** The lines of a program's stderr that are not blank. */
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('the peer command line', { timeout: 2 * READY_TIMEOUT_MS + 30_000 }, () => {
  it('explains every command and its flags with --help, and exits 0', async () => {
    const top = await runPeer(['--help']);
    const topText = top.stdout.toString() + top.stderr;
    expect(top.code, topText).toBe(0);
    for (const word of [...Object.keys(COMMAND_FLAGS), ...COMMON_FLAGS]) expect(topText, `top-level --help lacks ${word}`).toContain(word);

    const helps = await Promise.all(Object.keys(COMMAND_FLAGS).map((command) => runPeer([command, '--help']).then((run) => ({ command, run }))));
    for (const { command, run } of helps) {
      const text = run.stdout.toString() + run.stderr;
      expect(run.code, `${command} --help: ${text}`).toBe(0);
      expect(text, `${command} --help`).toContain(command);
      const flags = command === 'list' ? ['--central', '--help'] : [...COMMAND_FLAGS[command]!, ...COMMON_FLAGS];
      for (const flag of flags) expect(text, `${command} --help lacks ${flag}`).toContain(flag);
    }
  });

  it('says how to start central when it cannot reach it, in one line, with exit code 1', async () => {
    const host = loopback(BLOCK, 1);
    const nowhere = `${host}:${await freePort(host)}`;
    const dir = tempDir();
    const runs = await Promise.all([
      runPeer(['list', '--central', nowhere]),
      runPeer(['watch', 'cam1', '--out', join(dir, 'out.ts'), '--central', nowhere, '--host', loopback(BLOCK, 3)]),
      runPeer(['publish', 'cam1', '--source', FIXTURE, '--key', join(dir, 'cam1.key'), '--central', nowhere, '--host', loopback(BLOCK, 4)]),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(1);
      expect(lines(run.stderr), run.stderr).toHaveLength(1);
      expect(run.stderr).toContain(nowhere);
      expect(run.stderr).toContain('central:serve');
    }
  });

  it('lists what is on, and says a stream is not found showing what is on instead', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'cam1', dir });

    const list = await runPeer(['list', '--central', central.address]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.toString()).toMatch(/cam1/);

    const missing = await runPeer(['watch', 'nosuch', '--out', join(dir, 'out.ts'), '--central', central.address, '--host', loopback(BLOCK, 3)]);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toContain('nosuch');
    expect(missing.stderr, 'the error should show what list shows').toContain('cam1');
  });

  it('asks what to watch when no name is given on a terminal, as the original client did, and plays the answer', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'film', dir });
    const out = join(dir, 'asked.ts');

    const viewer = await startPeer(['watch', '--out', out, '--central', central.address, '--host', loopback(BLOCK, 6)], {
      terminal: true,
      waitReady: false,
    });
    await viewer.waitForStderr(/\bfilm\b.*finished/, READY_TIMEOUT_MS);
    viewer.stdin!.write('no such thing!\n');
    await viewer.waitForStderr(/not a stream name/, READY_TIMEOUT_MS);
    viewer.stdin!.write('film\n');
    await viewer.waitForStderr(PEER_READY, READY_TIMEOUT_MS);

    const exit = await exitWithin(viewer, READY_TIMEOUT_MS);
    expect(exit.code, viewer.describe()).toBe(0);
    expect(viewer.stderr()).toMatch(/What would you like to watch today\? .*film/);
    expect(readFileSync(out).equals(fixture()), 'the file written is the stream, byte for byte').toBe(true);
    // Four programs start one after another here, each allowed the full ready time.
  }, 4 * READY_TIMEOUT_MS);

  it('without a terminal to ask on, says watch needs a name and shows what is on', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'cam5', dir });

    const run = await runPeer(['watch', '--out', join(dir, 'out.ts'), '--central', central.address, '--host', loopback(BLOCK, 3)]);
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stderr).toMatch(/needs a stream name/);
    expect(run.stderr).toContain('cam5');
  });

  it('refuses a name published under another key, in one line, and keeps each key file private', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const first = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'cam2', dir });
    expect(statSync(first.key).mode & 0o777, 'key file mode').toBe(0o600);

    const second = await runPeer(['publish', 'cam2', '--source', FIXTURE, '--key', join(dir, 'other.key'), '--central', central.address, '--host', loopback(BLOCK, 3)]);
    expect(second.code, second.stderr).toBe(1);
    expect(lines(second.stderr), second.stderr).toHaveLength(1);
    expect(second.stderr).toContain('cam2');
    expect(second.stderr).toMatch(/another key|other key|different key|taken|already/i);
  });

  it('runs through nx from a second terminal while a first peer runs through nx, and pipes a stream to a player through npm (the README walk-through)', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const nx = ['nx', 'run', 'peer:serve', '--'];
    const publisher = await startPeer(['publish', 'film', '--source', FIXTURE, '--key', join(dir, 'film.key'), '--central', central.address, '--host', loopback(BLOCK, 8)], {
      command: ['npx', ...nx],
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    expect(publisher.ready?.action).toBe('publishing');

    const listing = await new Promise<string>((resolve, reject) =>
      execFile('npx', [...nx, 'list', '--central', central.address], { cwd: REPO_ROOT, timeout: READY_TIMEOUT_MS }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(listing).toMatch(/\bfilm\b.*finished/);

    // Nx would mangle a stream on stdout: watch --out - through it refuses and says what to run instead...
    const throughNx = await new Promise<{ code: number | null; output: string }>((resolve) =>
      execFile('npx', [...nx, 'watch', 'film', '--out', '-', '--central', central.address, '--host', loopback(BLOCK, 9)], { cwd: REPO_ROOT, timeout: READY_TIMEOUT_MS }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }),
      ),
    );
    expect(throughNx.code, throughNx.output).not.toBe(0);
    expect(throughNx.output).toContain('npm run -s peer -- watch NAME --out - | mpv -');
    // ...and that command hands a player the stream byte for byte.
    const throughNpm = await new Promise<Buffer>((resolve, reject) =>
      execFile(
        'npm',
        ['run', '-s', 'peer', '--', 'watch', 'film', '--out', '-', '--central', central.address, '--host', loopback(BLOCK, 10)],
        { cwd: REPO_ROOT, timeout: 2 * READY_TIMEOUT_MS, encoding: 'buffer', maxBuffer: 64 * 2 ** 20 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr.toString()}`)) : resolve(stdout)),
      ),
    );
    expect(throughNpm.equals(fixture()), `npm run -s peer wrote ${throughNpm.length} bytes, not the fixture's ${fixture().length}`).toBe(true);
  });

  it('takes the next free port when the one asked for is in use, and says so', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const host = loopback(BLOCK, 5);
    const busy = await occupy(host);

    const publisher = await startPeer(
      ['publish', 'cam3', '--source', FIXTURE, '--key', join(dir, 'cam3.key'), '--central', central.address, '--host', host, '--port', String(busy)],
      { readyTimeoutMs: READY_TIMEOUT_MS },
    );
    const ready = publisher.ready!;
    expect(ready.host).toBe(host);
    expect(ready.port).not.toBe(busy);
    expect(publisher.stderr()).toMatch(new RegExp(`\\b${busy}\\b.*(in use|taken|busy)|(in use|taken|busy).*\\b${busy}\\b`, 'i'));
    await expect(connects(host, ready.port), `nothing listens on the port the ready line gives: ${publisher.describe()}`).resolves.toBe(true);
  });
});

/** Listens on a free port of `host` for the rest of the test, and returns the port. */
async function occupy(host: string): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the occupying server has no port');
  return address.port;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
