import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CentralStartError } from './errors.js';

/** The page's own files: beside this module in src/ and in dist/ (the build copies them, and writes the bundle there). */
const WEB_DIR = new URL('./web/', import.meta.url);
/** The viewer's bundle, as central's build writes it (`nx run central:build`). */
const BUILT_BUNDLE = new URL('./web/p2pstream.js', import.meta.url);
/** Where the bundle is built from when central runs from its sources (tsx): the repository's browser-bundle tool. */
const BUNDLE_BUILDER = new URL('../../../tools/browser-bundle/build.ts', import.meta.url);

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const JS = 'text/javascript; charset=utf-8';

/**
 * What a watch page loads, all from central itself (so it works offline and on a LAN): the
 * p2pstream viewer bundle, mpegts.js from npm, the page's script and style. Read (and, from
 * sources, built) once at start: about 500 kB.
 */
export class WatchAssets {
  readonly #assets: ReadonlyMap<string, Asset>;

  private constructor(assets: ReadonlyMap<string, Asset>) {
    this.#assets = assets;
  }

  static async load(): Promise<WatchAssets> {
    const web = (name: string) => fileURLToPath(new URL(name, WEB_DIR));
    const files: Record<string, { file: string; type: string }> = {
      '/assets/watch.js': { file: web('watch.js'), type: JS },
      '/assets/watch.css': { file: web('watch.css'), type: 'text/css; charset=utf-8' },
      '/assets/mpegts.js': { file: createRequire(import.meta.url).resolve('mpegts.js'), type: JS },
    };
    const assets = new Map<string, Asset>();
    for (const [path, { file, type }] of Object.entries(files)) {
      try {
        assets.set(path, { body: await readFile(file), type });
      } catch (error) {
        throw new CentralStartError('WATCH_ASSETS_MISSING', `the watch page's file ${file} is missing (${(error as NodeJS.ErrnoException).code ?? error}); reinstall, or rebuild with: npx nx run central:build`, { cause: error });
      }
    }
    assets.set('/assets/p2pstream.js', { body: await viewerBundle(), type: JS });
    return new WatchAssets(assets);
  }

  /** Answers a GET or HEAD of one of the files; false when `path` is not one. */
  serve(path: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): boolean {
    const asset = this.#assets.get(path);
    if (!asset) return false;
    response.writeHead(200, { ...headers, 'content-type': asset.type, 'content-length': String(asset.body.length), 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
    return true;
  }
}

/** The bundle central's build wrote beside it, or, running from the repository's sources, built now with esbuild. */
async function viewerBundle(): Promise<Buffer> {
  if (existsSync(BUILT_BUNDLE)) return readFile(BUILT_BUNDLE);
  if (!existsSync(BUNDLE_BUILDER)) {
    throw new CentralStartError('WATCH_ASSETS_MISSING', `the viewer bundle ${fileURLToPath(BUILT_BUNDLE)} is missing; reinstall, or rebuild with: npx nx run central:build`);
  }
  // A path computed at run time: central's own build never compiles the tool.
  const builder = (await import(pathToFileURL(fileURLToPath(BUNDLE_BUILDER)).href)) as { buildBrowserBundle(): Promise<{ code: string }> };
  return Buffer.from((await builder.buildBrowserBundle()).code);
}
