import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../testing/index.js';
import { run } from './run.js';

/** The parts of a package.json the pack test reads. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  types?: string;
  exports?: Record<string, string | Record<string, string>>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** Absolute. */
  dir: string;
  manifest: Manifest;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every package under packages/ that is published (not private). */
export function publishedPackages(): WorkspacePackage[] {
  const root = join(REPO_ROOT, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ dir: join(root, entry.name), manifest: readManifest(join(root, entry.name)) }))
    .filter((pkg) => !pkg.manifest.private);
}

/**
 * Builds the packages' `dist` the way their Nx `build` target does (`tsc --build
 * tsconfig.lib.json`), in one incremental tsc run: what is up to date is not rebuilt.
 */
export async function buildPackages(packages: readonly WorkspacePackage[], timeoutMs: number): Promise<void> {
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '--build', ...packages.map((pkg) => join(pkg.dir, 'tsconfig.lib.json'))], { cwd: REPO_ROOT, timeoutMs });
}

/** `npm pack`s every package into `destination`; returns each package name's tarball path. */
export async function packPackages(packages: readonly WorkspacePackage[], destination: string, timeoutMs: number): Promise<Map<string, string>> {
  const stdout = await run('npm', ['pack', '--json', '--pack-destination', destination, ...packages.map((pkg) => pkg.dir)], { cwd: REPO_ROOT, timeoutMs });
  const packed = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
  return new Map(packed.map((entry) => [entry.name, join(destination, entry.filename)]));
}
