import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import type { Manifest } from './workspace-packages.js';

/** The workspace-only export condition: it points into src/, which is not shipped, and no consumer sets it. */
export const SOURCE_CONDITION = '@p2pstream/source';
/** Files a package ships besides dist/ (npm adds package.json and README itself). */
const TOP_LEVEL = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'];
/** The first line of a bin: without it `npx` and `npm install -g` cannot run the file. */
const NODE_SHEBANG = '#!/usr/bin/env node';

/** Every file under `dir`, relative to it, with `/` separators. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/**
 * What is wrong with an installed library's files, as sentences (none when it is right):
 * it ships dist/ with a .d.ts and a source map beside every .js, maps that carry their
 * sources (src/ is not shipped), README and CHANGELOG, and nothing else; `main`, `types`
 * and every `exports` target other than the workspace's source condition exist, with
 * `types` ahead of `import` and `default`.
 */
export function shippedFileProblems(dir: string, manifest: Manifest): string[] {
  const problems = layoutProblems(dir, {
    required: [...TOP_LEVEL, 'dist/index.js', 'dist/index.d.ts'],
    besideEveryJs: (file) => [`${file}.map`, file.replace(/\.js$/, '.d.ts')],
  });
  for (const field of ['main', 'types'] as const) {
    const target = manifest[field];
    if (!target || !existsSync(join(dir, target))) problems.push(`"${field}": ${target} does not exist`);
  }
  for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
    const entries = typeof conditions === 'string' ? [['default', conditions] as const] : Object.entries(conditions);
    for (const [condition, target] of entries) {
      if (condition !== SOURCE_CONDITION && !existsSync(join(dir, target))) problems.push(`exports["${subpath}"]["${condition}"]: ${target} does not exist`);
    }
    const order = entries.map(([condition]) => condition).filter((condition) => condition !== SOURCE_CONDITION);
    if (typeof conditions !== 'string' && order.includes('types') && order[0] !== 'types') {
      problems.push(`exports["${subpath}"] lists "types" after ${order[0]}, so TypeScript would not use it`);
    }
  }
  return problems;
}

/**
 * What is wrong with an installed program's files (none when it is right): it ships
 * dist/ with a source map that carries its sources beside every compiled .js, its
 * `assets` (files it reads at run time, such as the peer's web page), README, CHANGELOG
 * and LICENSE, and nothing else; it has a bin, and every bin exists and starts with a
 * `#!/usr/bin/env node` line.
 */
export function shippedProgramFileProblems(dir: string, manifest: Manifest, assets: readonly string[]): string[] {
  const bins = Object.entries(manifest.bin ?? {});
  const problems = layoutProblems(dir, {
    required: [...TOP_LEVEL, ...assets, ...bins.map(([, target]) => target.replace(/^\.\//, ''))],
    besideEveryJs: (file) => (assets.includes(file) ? [] : [`${file}.map`]),
  });
  if (bins.length === 0) problems.push('package.json has no "bin"');
  for (const [name, target] of bins) {
    const file = join(dir, target);
    if (existsSync(file) && !readFileSync(file, 'utf8').startsWith(`${NODE_SHEBANG}\n`)) problems.push(`bin ${name} (${target}) does not start with ${NODE_SHEBANG}`);
  }
  return problems;
}

interface Layout {
  /** Paths that must be shipped. */
  required: readonly string[];
  /** The files that must be shipped beside a .js file. */
  besideEveryJs: (file: string) => string[];
}

/** What every published workspace shares: dist/ and the top-level files only, no sources or build files, and maps that carry their sources. */
function layoutProblems(dir: string, layout: Layout): string[] {
  const files = listFiles(dir);
  const has = new Set(files);
  const problems: string[] = [];
  for (const file of layout.required) if (!has.has(file)) problems.push(`${file} is missing`);
  for (const file of files) {
    if (!file.startsWith('dist/') && !TOP_LEVEL.includes(file)) problems.push(`${file} is shipped but is not part of the package`);
    if (file.endsWith('.tsbuildinfo') || (file.endsWith('.ts') && !file.endsWith('.d.ts'))) problems.push(`${file} is a build or source file`);
    if (file.endsWith('.js')) {
      for (const sibling of layout.besideEveryJs(file)) if (!has.has(sibling)) problems.push(`${sibling} is missing beside ${file}`);
    }
    if (file.endsWith('.map')) {
      const map = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      if (map.sources.some((_, index) => typeof map.sourcesContent?.[index] !== 'string')) problems.push(`${file} points at sources it does not carry`);
    }
  }
  return problems;
}

/**
 * `from 'x'`, `import 'x'`, `import('x')`, and a module resolver's `.resolve('x')` (`require.resolve`,
 * `createRequire(…).resolve`, `import.meta.resolve`) for a file found in a package at run time —
 * not `Promise.resolve('ok')`, which names no package.
 */
const SPECIFIER = /(?:[\s}]from\s*|\bimport\s*\(?\s*|(?<!\bPromise)\.resolve\(\s*)['"]([^'"]+)['"]/g;
const BUILTINS = new Set(builtinModules);

/**
 * The packages the shipped .js and .d.ts files import or resolve (relative paths left
 * out). A `.d.ts` that imports a Node builtin needs `@types/node` in the user's project,
 * so it counts as importing `@types/node`; builtins imported by `.js` files need nothing.
 * `declarations: false` reads only the .js: a program's .d.ts are never imported.
 */
export function importedPackages(dir: string, options: { declarations: boolean } = { declarations: true }): Set<string> {
  const names = new Set<string>();
  const read = (name: string) => name.endsWith('.js') || (options.declarations && name.endsWith('.d.ts'));
  for (const file of listFiles(dir).filter(read)) {
    for (const [, specifier] of readFileSync(join(dir, file), 'utf8').matchAll(SPECIFIER)) {
      if (specifier!.startsWith('.')) continue;
      if (specifier!.startsWith('node:') || BUILTINS.has(specifier!.split('/')[0]!)) {
        if (file.endsWith('.d.ts')) names.add('@types/node');
        continue;
      }
      const parts = specifier!.split('/');
      names.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return names;
}
