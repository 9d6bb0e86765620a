import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TS_PACKET_BYTES } from '@p2pstream/data';
import { freePort, pipedInto, REPO_ROOT } from '../../../../tools/testing/index.js';
import { PEER_MAIN, PEER_READY, runPeer, startPeer } from '../../../../tools/swarm/peer-process.js';
import { waitUntil } from '../../../../tools/swarm/wait.js';
import {
  exitWithin,
  fixture,
  FIXTURE,
  loopback,
  loopedFixture,
  outputProblem,
  peerFlags,
  READY_TIMEOUT_MS,
  startCentral,
  startPublisher,
  stopEverything,
  tempDir,
} from './processes.js';

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

/** The peer program from source under tsx, as the e2e tests start it. */
const PEER_FROM_SOURCE = [process.execPath, '--conditions=@p2pstream/source', '--import', 'tsx', PEER_MAIN];
/** The README's way to pipe a stream into a player. */
const PEER_THROUGH_NPM = ['npm', 'run', '-s', 'peer', '--'];
/**
 * A player that stalls: it takes the first MPEG-TS packet as soon as it comes, then reads
 * nothing for 6 s, far longer than a pipe (64 KiB on Linux) holds at these rates, then
 * reads on. The peer must wait (finished stream) or buffer (live), not fail.
 */
const STALLING_READER = '(head -c 188; sleep 6; cat)';

describe('watch --out - into a pipe whose reader falls behind', { timeout: 3 * READY_TIMEOUT_MS + 60_000 }, () => {
  it('hands a reader that pauses for seconds the whole of a finished stream, byte for byte, and exits 0', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 11), name: 'film2', dir });

    const viewer = await startPeer(['watch', 'film2', '--out', '-', ...(await peerFlags(central, loopback(BLOCK, 12)))], {
      command: pipedInto(PEER_FROM_SOURCE, STALLING_READER),
      stdout: 'keep',
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const exit = await exitWithin(viewer, READY_TIMEOUT_MS);
    expect(exit.code, viewer.describe()).toBe(0);
    expect(viewer.stderr()).not.toMatch(/output closed/);
    const got = viewer.stdout();
    expect(got.equals(fixture()), `the reader got ${got.length} bytes, not the fixture's ${fixture().length}`).toBe(true);
  });

  it('keeps a 4 Mbit/s live stream of chunks over 64 KiB going to a reader that pauses for seconds, dropping nothing', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const publisherHost = loopback(BLOCK, 13);
    await startPeer(
      ['publish', 'cam6', '--source', FIXTURE, '--loop', '--bitrate', '4mbit', '--key', join(dir, 'cam6.key'), ...(await peerFlags(central, publisherHost))],
      { readyTimeoutMs: READY_TIMEOUT_MS },
    );
    const host = loopback(BLOCK, 14);
    const stats = join(dir, 'viewer.jsonl');
    const viewer = await startPeer(['watch', 'cam6', '--out', '-', '--stats', stats, ...(await peerFlags(central, host))], {
      command: pipedInto(PEER_THROUGH_NPM, STALLING_READER),
      stdout: 'keep',
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    // 4 Mbit/s in 0.5 s chunks: about 250 KB each, and 3 MB is several seconds of stream after the pause.
    const wanted = 3_000_000;
    await waitUntil(
      'the reader got 3 MB',
      () => {
        if (viewer.hasExited) throw new Error(`the viewer exited: ${viewer.describe()}`);
        return viewer.stdout().length >= wanted;
      },
      { timeoutMs: READY_TIMEOUT_MS, describe: () => `the reader has ${viewer.stdout().length} bytes\n${viewer.describe()}` },
    );
    const readings = readFileSync(stats, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { outputDropped: number });
    expect(readings.at(-1)?.outputDropped, 'live chunks dropped for the paused reader').toBe(0);
    // Still streaming: the packet arriving as the output is read is cut short; every whole packet before it is checked.
    const received = viewer.stdout();
    const got = received.subarray(0, received.length - (received.length % TS_PACKET_BYTES));
    expect(outputProblem(got, loopedFixture(Math.ceil(got.length / fixture().length) + 1))).toBeUndefined();
  });

  it('stops with a message and exit code 0 when the reader quits before the end', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 15), name: 'film3', dir, realtime: true, loop: true });

    const viewer = await startPeer(['watch', 'film3', '--out', '-', ...(await peerFlags(central, loopback(BLOCK, 16)))], {
      command: pipedInto(PEER_FROM_SOURCE, 'head -c 100000 >/dev/null'),
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const exit = await exitWithin(viewer, READY_TIMEOUT_MS);
    expect(exit.code, viewer.describe()).toBe(0);
    expect(viewer.stderr()).toMatch(/the reader of stdout closed it \(EPIPE\); stopping/);
  });
});

describe('relative paths on the command line', { timeout: 3 * READY_TIMEOUT_MS + 60_000 }, () => {
  it('resolve against the directory nx was run in, not apps/peer, and a missing file names the absolute path tried', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    // A directory of the workspace other than its root and apps/peer, as a user's shell might be in.
    const userDir = join(REPO_ROOT, 'tools');
    const unique = `cli-test-${process.pid}`;
    const made = [`${unique}.key`, `${unique}.jsonl`];
    try {
      const publisher = await startPeer(
        ['publish', 'relpaths', '--source', 'fixtures/test-stream.mpegts', '--key', made[0]!, '--stats', made[1]!, ...(await peerFlags(central, loopback(BLOCK, 17)))],
        { command: ['npx', 'nx', 'run', 'peer:serve', '--'], cwd: userDir, readyTimeoutMs: 2 * READY_TIMEOUT_MS },
      );
      await publisher.waitForStderr(/relpaths is finished/, READY_TIMEOUT_MS);
      for (const file of made) {
        expect(existsSync(join(userDir, file)), `${file} in the directory nx was run in`).toBe(true);
        expect(existsSync(join(REPO_ROOT, 'apps/peer', file)), `${file} in apps/peer`).toBe(false);
      }

      const missing = await new Promise<{ code: number | null; output: string }>((resolve) =>
        execFile(
          'npx',
          ['nx', 'run', 'peer:serve', '--', 'publish', 'nofile', '--source', `${unique}.ts`, '--key', join(dir, 'nofile.key'), '--central', central.address],
          { cwd: userDir, timeout: 2 * READY_TIMEOUT_MS },
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }),
        ),
      );
      expect(missing.code, missing.output).not.toBe(0);
      expect(missing.output).toContain(`cannot read --source ${join(userDir, `${unique}.ts`)}: ENOENT`);
    } finally {
      for (const file of made) rmSync(join(userDir, file), { force: true });
    }
  });

  it('resolve against the user\'s directory under npm run -s --prefix REPO peer, run from outside the repository', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 18), name: 'film5', dir });

    const viewer = await startPeer(['watch', 'film5', '--out', 'film5.ts', ...(await peerFlags(central, loopback(BLOCK, 19)))], {
      command: ['npm', 'run', '-s', '--prefix', REPO_ROOT, 'peer', '--'],
      cwd: dir,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const exit = await exitWithin(viewer, READY_TIMEOUT_MS);
    expect(exit.code, viewer.describe()).toBe(0);
    expect(readFileSync(join(dir, 'film5.ts')).equals(fixture()), 'the stream, written in the directory npm was run in').toBe(true);
  });
});
