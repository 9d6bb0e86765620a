import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import type { Manifest } from './workspace-packages.js';

/** The workspace-only export condition: it points into src/, which is not shipped, and no consumer sets it. */
export const SOURCE_CONDITION = '@p2pstream/source';
/** Files a package ships besides dist/ (npm adds package.json and README itself). */
const TOP_LEVEL = new Set(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']);
const REQUIRED = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'];

/** Every file under `dir`, relative to it, with `/` separators. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/**
 * What is wrong with an installed package's files, as sentences (none when it is right):
 * it ships dist/ with a .d.ts and a source map beside every .js, maps that carry their
 * sources (src/ is not shipped), README and CHANGELOG, and nothing else; `main`, `types`
 * and every `exports` target other than the workspace's source condition exist, with
 * `types` ahead of `import` and `default`.
 */
export function shippedFileProblems(dir: string, manifest: Manifest): string[] {
  const files = listFiles(dir);
  const has = new Set(files);
  const problems: string[] = [];
  for (const file of REQUIRED) if (!has.has(file)) problems.push(`${file} is missing`);
  for (const file of files) {
    if (!file.startsWith('dist/') && !TOP_LEVEL.has(file)) problems.push(`${file} is shipped but is not part of the package`);
    if (file.endsWith('.tsbuildinfo') || (file.endsWith('.ts') && !file.endsWith('.d.ts'))) problems.push(`${file} is a build or source file`);
    if (file.endsWith('.js')) {
      for (const sibling of [`${file}.map`, file.replace(/\.js$/, '.d.ts')]) if (!has.has(sibling)) problems.push(`${sibling} is missing beside ${file}`);
    }
    if (file.endsWith('.map')) {
      const map = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      if (map.sources.some((_, index) => typeof map.sourcesContent?.[index] !== 'string')) problems.push(`${file} points at sources it does not carry`);
    }
  }
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

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
const BUILTINS = new Set(builtinModules);

/**
 * The packages the shipped .js and .d.ts files import (relative paths left out). A
 * `.d.ts` that imports a Node builtin needs `@types/node` in the user's project, so it
 * counts as importing `@types/node`; builtins imported by `.js` files need nothing.
 */
export function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of listFiles(dir).filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))) {
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
