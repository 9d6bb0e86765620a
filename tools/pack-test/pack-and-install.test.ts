import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stretchCopyProblem } from '../swarm/mpegts-check.js';
import { stopAllPeers, type PeerProcess } from '../swarm/peer-process.js';
import { readViewerStats } from '../swarm/stats-file.js';
import { waitUntil } from '../swarm/wait.js';
import { ffprobe, freePort, pipedInto, probedStreams, REPO_ROOT, stopAllPrograms } from '../testing/index.js';
import { CENTRAL_BIN, PEER_BIN, runInstalledBin, startInstalledCentral, startInstalledPeer, type InstalledCentral } from './installed-programs.js';
import { importedPackages, listFiles, shippedFileProblems, shippedProgramFileProblems } from './published-files.js';
import { run } from './run.js';
import { createScratchProject, typecheck } from './scratch-project.js';
import { makeTestStream } from './test-source.js';
import { buildPackages, packPackages, publishedPackages, readManifest, type WorkspacePackage } from './workspace-packages.js';

/**
 * Every package and program as a user of the registry gets it: built, `npm pack`ed,
 * installed from the tarballs into a project outside the workspace, and used there: the
 * libraries together by a program that is typechecked against the published types and run
 * with plain node, the programs through their bins, as `npx` runs them.
 */

const BUILD_TIMEOUT_MS = 240_000;
const PACK_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 120_000;
const TSC_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 30_000;
/** Generous: a program starting on two busy cores. */
const READY_TIMEOUT_MS = 45_000;
/** The live stream's rate and length (16 s: a viewer slow to start on a busy machine still gets more than the pause holds back). */
const LIVE_BITS_PER_SECOND = 4_000_000;
const LIVE_SECONDS = 16;
/** A player that stalls: it takes the first MPEG-TS packet at once, reads nothing for 6 s, then reads on. */
const STALL_SECONDS = 6;
const STALLING_READER = `(head -c 188; sleep ${STALL_SECONDS}; cat)`;

const packages: WorkspacePackage[] = publishedPackages('packages');
const programs: WorkspacePackage[] = publishedPackages('apps');
let workDir = '';
let project = '';
const installedDir = (name: string) => join(project, 'node_modules', name);

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'p2pstream-pack-'));
  const tarballs = join(workDir, 'tarballs');
  project = join(workDir, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  await buildPackages([...packages, ...programs], BUILD_TIMEOUT_MS);
  const packed = await packPackages([...packages, ...programs], tarballs, PACK_TIMEOUT_MS);
  await createScratchProject(project, packed, INSTALL_TIMEOUT_MS);
}, BUILD_TIMEOUT_MS + PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await stopAllPeers();
  await stopAllPrograms();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the published packages', () => {
  it('are all installed from their tarballs, once each, with every dependency in range', async () => {
    expect(packages.map((pkg) => pkg.manifest.name)).toEqual(
      expect.arrayContaining(['@p2pstream/units', '@p2pstream/wire', '@p2pstream/connection', '@p2pstream/data', '@p2pstream/scheduler', '@p2pstream/tracker-client', '@p2pstream/peer-server', '@p2pstream/peer-client', '@p2pstream/metrics', '@p2pstream/webrtc']),
    );
    expect(programs.map((pkg) => pkg.manifest.name).sort()).toEqual(['@p2pstream/central', '@p2pstream/peer']);
    // npm ls exits non-zero when a dependency is missing or out of its range.
    await run('npm', ['ls', '--all'], { cwd: project, timeoutMs: PACK_TIMEOUT_MS });
    for (const { manifest } of [...packages, ...programs]) {
      expect(readManifest(installedDir(manifest.name)).version).toBe(manifest.version);
      // An internal range the local version does not satisfy would have pulled a second copy from the registry.
      expect(existsSync(join(installedDir(manifest.name), 'node_modules', '@p2pstream')), `a nested @p2pstream copy under ${manifest.name}`).toBe(false);
    }
  });

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s ships dist with types and self-contained source maps, a README, a CHANGELOG and its LICENSE, and nothing else',
    (name) => {
      expect(shippedFileProblems(installedDir(name), readManifest(installedDir(name)))).toEqual([]);
    },
  );

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s declares exactly the packages its published files import (@types/node for types that use Node\'s), its own ones at ^ of their current version',
    (name, { manifest }) => {
      const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
      expect([...importedPackages(installedDir(name))].sort()).toEqual(Object.keys(declared).sort());
      for (const [dependency, range] of Object.entries(declared)) {
        const internal = packages.find((pkg) => pkg.manifest.name === dependency);
        if (internal) expect(range, `${name} → ${dependency}`).toBe(`^${internal.manifest.version}`);
      }
    },
  );

  it.each(['node16', 'bundler'])(
    'typecheck a program that uses them together against the published types with moduleResolution %s',
    async (resolution) => {
      await typecheck(project, `tsconfig.${resolution}.json`, TSC_TIMEOUT_MS);
    },
    TSC_TIMEOUT_MS,
  );

  it('compile that program with moduleResolution nodenext and run it with plain node: two peers exchange signed chunks without central', async () => {
    await typecheck(project, 'tsconfig.nodenext.json', TSC_TIMEOUT_MS);
    const output = await run(process.execPath, ['out/pair.js'], { cwd: project, timeoutMs: RUN_TIMEOUT_MS });
    expect(output).toContain('checked: the viewer played all 5 chunks, in order and intact');
    expect(output.trimEnd().split('\n').at(-1)).toBe('ok');
  }, TSC_TIMEOUT_MS + RUN_TIMEOUT_MS);
});

/** Files a program reads at run time: what its src/ holds besides TypeScript (the peer's web page), copied to dist/ by its build. */
/** Files a program's build writes for it to read at run time, besides what its src/ holds: central's watch pages load the viewer bundle. */
const BUILT_ASSETS: Readonly<Record<string, readonly string[]>> = { '@p2pstream/central': ['dist/web/p2pstream.js'] };

function runtimeAssets(pkg: WorkspacePackage): string[] {
  return [
    ...listFiles(join(pkg.dir, 'src'))
      .filter((file) => !file.endsWith('.ts'))
      .map((file) => `dist/${file}`),
    ...(BUILT_ASSETS[pkg.manifest.name] ?? []),
  ];
}

describe('the published programs', () => {
  it.each(programs.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s ships its bin, its compiled dist with self-contained source maps and the files it reads at run time, a README, a CHANGELOG and its LICENSE, and nothing from src/ or test/',
    (name, pkg) => {
      const assets = runtimeAssets(pkg);
      if (name === '@p2pstream/peer') expect(assets).toEqual(expect.arrayContaining(['dist/web/index.html', 'dist/web/player.js']));
      expect(shippedProgramFileProblems(installedDir(name), readManifest(installedDir(name)), assets)).toEqual([]);
    },
  );

  it.each(programs.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s declares exactly the packages its published code imports, its own ones at ^ of their current version',
    (name, { manifest }) => {
      expect([...importedPackages(installedDir(name), { declarations: false })].sort()).toEqual(Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }).sort());
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
        const internal = packages.find((pkg) => pkg.manifest.name === dependency);
        if (internal) expect(range, `${name} → ${dependency}`).toBe(`^${internal.manifest.version}`);
      }
    },
  );

  it('p2pstream-peer and p2pstream-central print their usage with --help and exit 0; a command line they cannot run exits 2 and points at --help', async () => {
    const [peerHelp, centralHelp, peerWrong, centralWrong] = await Promise.all([
      runInstalledBin(project, PEER_BIN, ['--help'], RUN_TIMEOUT_MS),
      runInstalledBin(project, CENTRAL_BIN, ['--help'], RUN_TIMEOUT_MS),
      runInstalledBin(project, PEER_BIN, ['watch', 'cam1', '--no-such-flag'], RUN_TIMEOUT_MS),
      runInstalledBin(project, CENTRAL_BIN, ['--port', 'not-a-port'], RUN_TIMEOUT_MS),
    ]);
    expect(peerHelp.code, peerHelp.stderr).toBe(0);
    for (const command of ['publish', 'watch', 'relay', 'list', '--central']) expect(peerHelp.stdout + peerHelp.stderr).toContain(command);
    expect(centralHelp.code, centralHelp.stderr).toBe(0);
    for (const flag of ['--host', '--port', '--registry', '--http']) expect(centralHelp.stdout + centralHelp.stderr).toContain(flag);
    expect(peerWrong.code, peerWrong.stderr).toBe(2);
    expect(peerWrong.stderr).toContain('--no-such-flag');
    expect(peerWrong.stderr).toContain('--help');
    expect(centralWrong.code, centralWrong.stderr).toBe(2);
    expect(centralWrong.stderr).toContain('--port');
  }, RUN_TIMEOUT_MS);

  describe('on loopback, with the installed central', { timeout: 4 * READY_TIMEOUT_MS }, () => {
    let central: InstalledCentral;
    const FIXTURE = join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts');
    /** Its length as tools/fixtures/README.md gives it. */
    const FIXTURE_SECONDS = 20;

    beforeAll(async () => {
      central = await startInstalledCentral(project, READY_TIMEOUT_MS);
    }, READY_TIMEOUT_MS);

    afterEach(async () => {
      await stopAllPeers();
    }, 30_000);

    it('p2pstream-peer watch writes the fixture, published as a finished stream, to --out FILE and to a player of --http /stream.ts byte for byte, serves its web page from the installed package, and exits 0', async () => {
      await startInstalledPeer(project, central, ['publish', 'film', '--source', FIXTURE, '--key', join(workDir, 'film.key')], { readyTimeoutMs: READY_TIMEOUT_MS });
      const out = join(workDir, 'film.ts');
      const http = `127.0.0.1:${await freePort()}`;
      const [toFile, toPlayer] = await Promise.all([
        startInstalledPeer(project, central, ['watch', 'film', '--out', out], { readyTimeoutMs: READY_TIMEOUT_MS }),
        startInstalledPeer(project, central, ['watch', 'film', '--http', http], { readyTimeoutMs: READY_TIMEOUT_MS }),
      ]);
      const installed = installedDir('@p2pstream/peer');
      const page: Record<string, string> = {
        '/': join(installed, 'dist/web/index.html'),
        '/player.js': join(installed, 'dist/web/player.js'),
        '/panel.js': join(installed, 'dist/web/panel.js'),
        '/page.css': join(installed, 'dist/web/page.css'),
        '/player/mpegts.js': createRequire(join(installed, 'package.json')).resolve('mpegts.js'),
      };
      for (const [path, file] of Object.entries(page)) expect((await httpGet(`http://${http}${path}`)).equals(readFileSync(file)), `${path} is ${file}`).toBe(true);
      // A finished stream waits for its player: this one connects after the page's files and takes the whole stream.
      expect((await httpGet(`http://${http}/stream.ts`)).equals(readFileSync(FIXTURE)), '/stream.ts is the fixture').toBe(true);
      for (const viewer of [toFile, toPlayer]) expect((await exitWithin(viewer, READY_TIMEOUT_MS)).code, viewer.describe()).toBe(0);
      expect(readFileSync(out).equals(readFileSync(FIXTURE)), 'the file written is the fixture').toBe(true);
    });

    it('p2pstream-peer watch --http serves the fixture as HLS at /live.m3u8 that ffprobe plays as H.264 + AAC of its length, and stops with exit 0 on Ctrl-C', async () => {
      await startInstalledPeer(project, central, ['publish', 'film-hls', '--source', FIXTURE, '--key', join(workDir, 'film-hls.key')], { readyTimeoutMs: READY_TIMEOUT_MS });
      const http = `127.0.0.1:${await freePort()}`;
      const viewer = await startInstalledPeer(project, central, ['watch', 'film-hls', '--http', http], { readyTimeoutMs: READY_TIMEOUT_MS });
      const playlist = `http://${http}/live.m3u8`;
      // The playlist is whole (EXT-X-ENDLIST) once the viewer has every chunk.
      await waitUntil('the playlist to end', async () => ((await httpGet(playlist)).toString().includes('#EXT-X-ENDLIST') ? true : undefined), {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 500,
        describe: () => viewer.describe(),
      });
      const probe = ffprobe(playlist);
      expect(probe.format.format_name).toBe('hls');
      expect(probedStreams(probe)).toEqual(['audio:aac', 'video:h264']);
      expect(Number(probe.format.duration)).toBeGreaterThan(FIXTURE_SECONDS - 1);
      expect(Number(probe.format.duration)).toBeLessThan(FIXTURE_SECONDS + 1);
      // An HLS player comes back for segments, so the viewer serves on until stopped.
      expect((await viewer.stop()).code, viewer.describe()).toBe(0);
    });

    it('p2pstream-peer watch --out - hands a 4 Mbit/s live stream to a reader that pauses for 6 s: every byte in order to the end, nothing dropped, then exits 0; one stopped mid-stream exits 0 after whole packets', async () => {
      const source = join(workDir, 'live-4mbit.ts');
      await makeTestStream(source, { seconds: LIVE_SECONDS, bitsPerSecond: LIVE_BITS_PER_SECOND, timeoutMs: RUN_TIMEOUT_MS });
      const publisher = await startInstalledPeer(project, central, ['publish', 'live4', '--source', source, '--realtime', '--key', join(workDir, 'live4.key')], {
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      const stats = join(workDir, 'live4-viewer.jsonl');
      const [viewer, stopped] = await Promise.all([
        startInstalledPeer(project, central, ['watch', 'live4', '--out', '-', '--stats', stats], {
          wrap: (command) => pipedInto(command, STALLING_READER),
          stdout: 'keep',
          readyTimeoutMs: READY_TIMEOUT_MS,
        }),
        // A second viewer, read at once, is stopped mid-stream as Ctrl-C stops it.
        startInstalledPeer(project, central, ['watch', 'live4', '--out', '-'], { stdout: 'keep', readyTimeoutMs: READY_TIMEOUT_MS }),
      ]);
      await waitUntil('the second viewer to write 1 MB', () => stopped.stdout().length >= 1_000_000 || stopped.hasExited, {
        timeoutMs: READY_TIMEOUT_MS,
        describe: () => stopped.describe(),
      });
      expect((await stopped.stop()).code, stopped.describe()).toBe(0);
      expect(stretchCopyProblem(stopped.stdout(), readFileSync(source), { toEnd: false }), 'what the stopped viewer wrote').toBeUndefined();

      // The source plays out for LIVE_SECONDS from the publisher's start; the viewer ends with it.
      const exit = await exitWithin(viewer, LIVE_SECONDS * 1000 + READY_TIMEOUT_MS);
      expect(exit.code, viewer.describe()).toBe(0);
      expect(viewer.stderr()).toMatch(/live4 ended \(publisher stopped\): \d+ chunks played, 0 skipped/);
      const got = viewer.stdout();
      // The pause holds back 6 s of stream, far more than a pipe (64 KiB) buffers.
      expect(got.length, 'bytes the reader got').toBeGreaterThanOrEqual((STALL_SECONDS * LIVE_BITS_PER_SECOND) / 8);
      expect(stretchCopyProblem(got, readFileSync(source), { toEnd: true }), 'what the paused reader got').toBeUndefined();
      const last = readViewerStats(stats).at(-1);
      expect(last?.outputDropped, 'live chunks dropped for the paused reader').toBe(0);
      expect((await publisher.stop()).code, publisher.describe()).toBe(0);
    });
  });
});

/** The body of a GET that answers 200; rejects on any other status or after RUN_TIMEOUT_MS. */
async function httpGet(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The peer's exit, or a rejection naming it when it is still running after `timeoutMs`. */
async function exitWithin(peer: PeerProcess, timeoutMs: number): Promise<{ code: number | null }> {
  return waitUntil('the peer to exit', () => (peer.hasExited ? peer.exited : undefined), { timeoutMs, describe: () => peer.describe() });
}
