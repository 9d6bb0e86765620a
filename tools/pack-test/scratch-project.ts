import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../testing/index.js';
import { run } from './run.js';
import { readManifest } from './workspace-packages.js';

/** The program and its tsconfigs, copied into the scratch project. */
export const FIXTURE_DIR = join(REPO_ROOT, 'tools/pack-test/fixture');

/**
 * Makes `dir` (outside the workspace) a project of its own that depends on the tarballs,
 * with the workspace's TypeScript and Node types for checking it, copies the fixture in,
 * and installs. Registry packages (msgpackr, p-queue, typescript) come from npm's cache
 * when the workspace's install put them there, else from the registry.
 */
export async function createScratchProject(dir: string, tarballs: ReadonlyMap<string, string>, timeoutMs: number): Promise<void> {
  const workspaceVersion = (name: string) => readManifest(join(REPO_ROOT, 'node_modules', name)).version;
  const manifest = {
    name: 'p2pstream-pack-test',
    private: true,
    type: 'module',
    dependencies: Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`])),
    devDependencies: { typescript: workspaceVersion('typescript'), '@types/node': workspaceVersion('@types/node') },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, timeoutMs });
}

/** Runs the scratch project's own tsc with `tsconfig`; rejects with its diagnostics. */
export async function typecheck(dir: string, tsconfig: string, timeoutMs: number): Promise<void> {
  await run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '--project', tsconfig], { cwd: dir, timeoutMs });
}
