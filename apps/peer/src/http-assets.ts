import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { COMMON_HEADERS } from './http-reply.js';
import { UserError } from './usage-error.js';

/** The page's own files: beside this module in src/ and in dist/ (the build copies them). */
const WEB_DIR = new URL('./web/', import.meta.url);

/**
 * The page may load only what this peer serves: its scripts, its style, the
 * stream (fetched by the player, played through a blob: MediaSource URL).
 */
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; base-uri 'none'; form-action 'none'";

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** Path served → where the file is. A fixed table: a request's path is never used as a file name. */
function assetFiles(): Record<string, { file: string; type: string }> {
  const web = (name: string) => fileURLToPath(new URL(name, WEB_DIR));
  return {
    '/': { file: web('index.html'), type: 'text/html; charset=utf-8' },
    '/page.css': { file: web('page.css'), type: 'text/css; charset=utf-8' },
    '/player.js': { file: web('player.js'), type: 'text/javascript; charset=utf-8' },
    '/panel.js': { file: web('panel.js'), type: 'text/javascript; charset=utf-8' },
    // The player library from npm, served from here so the page works offline and on a LAN.
    '/player/mpegts.js': { file: createRequire(import.meta.url).resolve('mpegts.js'), type: 'text/javascript; charset=utf-8' },
  };
}

/** The web page's files, read once at start (about 300 kB, most of it the player library). */
export class WebAssets {
  readonly #assets: ReadonlyMap<string, Asset>;

  private constructor(assets: ReadonlyMap<string, Asset>) {
    this.#assets = assets;
  }

  static async load(): Promise<WebAssets> {
    const assets = new Map<string, Asset>();
    for (const [path, { file, type }] of Object.entries(assetFiles())) {
      try {
        assets.set(path, { body: await readFile(file), type });
      } catch (error) {
        throw new UserError(`the web page's file ${file} is missing (${(error as NodeJS.ErrnoException).code ?? error}); reinstall, or rebuild with: npx nx run peer:build`, '', {
          cause: error,
        });
      }
    }
    return new WebAssets(assets);
  }

  /** Answers a GET or HEAD of one of the files; false when `path` is not one. */
  serve(path: string, request: IncomingMessage, response: ServerResponse): boolean {
    const asset = this.#assets.get(path);
    if (!asset) return false;
    response.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': asset.type,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      ...(path === '/' ? { 'content-security-policy': PAGE_POLICY } : {}),
    });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
    return true;
  }
}
