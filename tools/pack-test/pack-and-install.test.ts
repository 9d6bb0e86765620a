import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedPackages, shippedFileProblems } from './published-files.js';
import { run } from './run.js';
import { createScratchProject, typecheck } from './scratch-project.js';
import { buildPackages, packPackages, publishedPackages, readManifest, type WorkspacePackage } from './workspace-packages.js';

/**
 * Every package as a user of the registry gets it: built, `npm pack`ed, installed from the
 * tarballs into a project outside the workspace, and used there together by a program that
 * is typechecked against the published types and run with plain node.
 */

const BUILD_TIMEOUT_MS = 120_000;
const PACK_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 120_000;
const TSC_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 30_000;

const packages: WorkspacePackage[] = publishedPackages();
let workDir = '';
let project = '';
const installedDir = (name: string) => join(project, 'node_modules', name);

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'p2pstream-pack-'));
  const tarballs = join(workDir, 'tarballs');
  project = join(workDir, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  await buildPackages(packages, BUILD_TIMEOUT_MS);
  const packed = await packPackages(packages, tarballs, PACK_TIMEOUT_MS);
  await createScratchProject(project, packed, INSTALL_TIMEOUT_MS);
}, BUILD_TIMEOUT_MS + PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the published packages', () => {
  it('are all installed from their tarballs, once each, with every dependency in range', async () => {
    expect(packages.map((pkg) => pkg.manifest.name)).toEqual(
      expect.arrayContaining(['@p2pstream/wire', '@p2pstream/connection', '@p2pstream/data', '@p2pstream/scheduler', '@p2pstream/tracker-client', '@p2pstream/peer-server', '@p2pstream/peer-client']),
    );
    // npm ls exits non-zero when a dependency is missing or out of its range.
    await run('npm', ['ls', '--all'], { cwd: project, timeoutMs: PACK_TIMEOUT_MS });
    for (const { manifest } of packages) {
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
