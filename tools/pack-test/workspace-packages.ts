import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  /** Command name → the installed file it runs. */
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** Installed when they can be; the code that loads one copes when it is missing. */
  optionalDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** Absolute. */
  dir: string;
  manifest: Manifest;
  /** Its Nx project name: `name` in its project.json, else its package name. */
  project: string;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every workspace under `folder` (`packages`: the libraries, `apps`: the programs) that is published (not private). */
export function publishedPackages(folder: 'packages' | 'apps'): WorkspacePackage[] {
  const root = join(REPO_ROOT, folder);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = join(root, entry.name);
      const manifest = readManifest(dir);
      return { dir, manifest, project: projectName(dir) ?? manifest.name };
    })
    .filter((pkg) => !pkg.manifest.private);
}

function projectName(dir: string): string | undefined {
  const file = join(dir, 'project.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name : undefined;
}

/**
 * Builds the packages' `dist` with their Nx `build` targets, as a release does (the peer's
 * also copies its web page's files): what is up to date, or in Nx's cache, is not rebuilt.
 */
export async function buildPackages(packages: readonly WorkspacePackage[], timeoutMs: number): Promise<void> {
  const nx = join(REPO_ROOT, 'node_modules/.bin/nx');
  const projects = packages.map((pkg) => pkg.project).join(',');
  await run(nx, ['run-many', '--targets=build', `--projects=${projects}`, '--output-style=static'], { cwd: REPO_ROOT, timeoutMs });
}

/** `npm pack`s every package into `destination`; returns each package name's tarball path. */
export async function packPackages(packages: readonly WorkspacePackage[], destination: string, timeoutMs: number): Promise<Map<string, string>> {
  const stdout = await run('npm', ['pack', '--json', '--pack-destination', destination, ...packages.map((pkg) => pkg.dir)], { cwd: REPO_ROOT, timeoutMs });
  const packed = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
  return new Map(packed.map((entry) => [entry.name, join(destination, entry.filename)]));
}
