import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * The browser viewer's bundle: one ES module, built with esbuild from the packages' sources.
 *
 * What stays out of a page, and how:
 * - sockets, files, node:crypto, node:stream, `process`: never reached, because the bundle starts
 *   at browser entry points (`@p2pstream/peer-client/browser` and the `./browser` entries of
 *   data and connection) that leave them out;
 * - node:events: the `events` package, Node's EventEmitter ported to browsers;
 * - `Buffer` and node:buffer: the `buffer` package (wire, connection and webrtc frame with Buffer;
 *   rewriting them to Uint8Array would touch every hot path for no gain in Node);
 * - node:net's isIP/isIPv6, node:buffer's isUtf8 and node:util's debuglog: the few lines in
 *   `shims/`, which do the same with what a browser has.
 * Any other node:* module fails the build, so a Node-only import cannot slip into the page.
 */

const SHIMS = join(dirname(fileURLToPath(import.meta.url)), 'shims');
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The page's entry: what a browser viewer uses. */
export const BROWSER_ENTRY = join(REPO, 'packages', 'peer-client', 'src', 'browser.ts');

const BROWSER_MODULES: Readonly<Record<string, string>> = {
  'node:buffer': join(SHIMS, 'buffer.ts'),
  'node:net': join(SHIMS, 'net.ts'),
  'node:util': join(SHIMS, 'util.ts'),
};

export interface BrowserBundleOptions {
  /** @default BROWSER_ENTRY */
  entryPoint?: string;
  /** Where to write it as well; without one, the bundle is only returned. */
  outfile?: string;
  /** @default true */
  minify?: boolean;
}

export interface BrowserBundle {
  /** The bundle's JavaScript. */
  code: string;
  /** esbuild's record of every input and import, for checking what went in. */
  metafile: Metafile;
}

/** Bundles for browsers; rejects with esbuild's errors, such as a node:* module that a page cannot have. */
export async function buildBrowserBundle(options: BrowserBundleOptions = {}): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [options.entryPoint ?? BROWSER_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Straight from the TypeScript sources, so no package has to be built first.
    conditions: ['@p2pstream/source'],
    inject: [join(SHIMS, 'buffer-global.ts')],
    // webrtc names the global as globalThis.Buffer (its Buffer name is a type-only import); the same Buffer.
    define: { 'globalThis.Buffer': 'Buffer' },
    plugins: [browserModules],
    minify: options.minify ?? true,
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    write: false,
    outfile: options.outfile ?? 'bundle.js',
  });
  const code = result.outputFiles[0]!.text;
  if (options.outfile !== undefined) await writeFile(options.outfile, code);
  return { code, metafile: result.metafile };
}

const browserModules: Plugin = {
  name: 'p2pstream-browser-modules',
  setup(build) {
    build.onResolve({ filter: /^node:events$/ }, (args) => build.resolve('events', { kind: args.kind, resolveDir: args.resolveDir }));
    build.onResolve({ filter: /^node:(buffer|net|util)$/ }, (args) => ({ path: BROWSER_MODULES[args.path]! }));
  },
};
