import type { IceServer } from '@p2pstream/units';
import { escape } from './status-page.js';

/** What a watch page needs to reach the swarm: central's WebSocket endpoint and the ICE servers central was given. */
export interface WatchPageConfig {
  /** `--ws`'s host; a page of a central on every interface (0.0.0.0, ::) uses the host it was loaded from. */
  readonly wsHost: string;
  readonly wsPort: number;
  readonly iceServers: readonly IceServer[];
}

/**
 * The page may load only central's own scripts and style, reach central's WebSocket
 * endpoint, and play media from a blob: MediaSource URL. (Data channels are not fetches:
 * a content policy does not govern them.)
 */
export const WATCH_PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; base-uri 'none'; form-action 'none'";

/**
 * The watch page of stream `name`: a video element that plays the stream through
 * mpegts.js from the page's own p2pstream viewer, and the viewer's numbers under it.
 * The settings go in as JSON data (not script), so the page runs under a strict policy.
 */
export function watchPage(name: string, config: WatchPageConfig): string {
  // JSON in a script element: `<` is escaped so no name can close the element.
  const settings = JSON.stringify({ name, wsHost: config.wsHost, wsPort: config.wsPort, iceServers: config.iceServers }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(name)} · p2pstream</title>
<link rel="stylesheet" href="/assets/watch.css">
</head>
<body>
<h1>${escape(name)}</h1>
<video id="video" controls muted autoplay playsinline></video>
<p id="status" data-problem="no">starting…</p>
<p id="stats"></p>
<p><a href="/">all streams</a></p>
<script type="application/json" id="watch-config">${settings}</script>
<script src="/assets/mpegts.js"></script>
<script type="module" src="/assets/watch.js"></script>
</body>
</html>
`;
}
