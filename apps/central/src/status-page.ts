import { streamFingerprint } from '@p2pstream/data';
import type { PeerRecord, StreamSummary, ViewerQoe } from '@p2pstream/tracker';
import type { CentralStats } from './stats.js';

/** A stream as the status page shows it: the summary `list` gives, and the peers carrying it when they were looked up. */
export interface StreamStatus extends StreamSummary {
  /** Live entries (at most a look-up's worth); absent when the page did not look the stream up. */
  readonly peerList?: readonly PeerRecord[];
}

/** Where the page suggests running a local viewer with its player; the peer's usual `--http` address. */
export const LOCAL_PLAYER = '127.0.0.1:8080';

/** The page fetches itself again this often and swaps in what changed. */
export const REFRESH_MS = 2_000;

/** What `/stats.json` serves: the latest reading, and as `streamList` the streams `list` would show, each with its fingerprint and peers. */
export function statsDocument(stats: CentralStats, streams: readonly StreamStatus[]): string {
  return `${JSON.stringify({ ...stats, streamList: streams.map((s) => ({ ...s, fingerprint: streamFingerprint(s.stream) })) }, null, 2)}\n`;
}

/**
 * The HTML page served at `/`: totals, rates, one row per stream, and each
 * stream's peers with the command that opens it in a local player. A small
 * script fetches the page again every 2 s and swaps in the live part; without
 * scripts the page reloads itself every 5 s.
 */
export function statusPage(stats: CentralStats, streams: readonly StreamStatus[], options: StatusPageOptions = {}): string {
  const watchable = options.watchPages ?? false;
  const rows = streams
    .map(
      (s) =>
        `<tr data-stream="${escape(s.name)}"><td>${watchable ? `<a href="${watchPath(s.name)}">${escape(s.name)}</a>` : escape(s.name)}</td><td>${s.live ? 'live' : 'finished'}</td><td class="n">${s.peers}</td>` +
        `<td class="n">${s.edge}</td><td><code title="${escape(s.stream)}">${escape(streamFingerprint(s.stream))}</code></td></tr>`,
    )
    .join('\n');
  const warning = stats.registryAvailable
    ? ''
    : `<p class="warn">The registry (${escape(stats.registry)}) cannot be reached; the numbers below are the last known.</p>`;
  const table =
    streams.length === 0
      ? '<p>No streams yet. Publish one: <code>npx nx run peer:serve -- publish NAME --source FILE --realtime --loop</code></p>'
      : `<table>\n<tr><th>name</th><th>state</th><th>peers</th><th>live edge</th><th>publisher key</th></tr>\n${rows}\n</table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<noscript><meta http-equiv="refresh" content="5"></noscript>
<title>p2pstream central</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; }
td, th { padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }
th { color: #666; font-weight: normal; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
.warn { color: #a00; font-weight: bold; }
.muted { color: #666; }
dl.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(9em, 1fr)); gap: 0.4em 1em; }
dl.totals div { background: #f4f6f8; border-radius: 6px; padding: 0.4em 0.7em; }
dl.totals dt { color: #666; font-size: 0.85em; }
dl.totals dd { margin: 0; font-size: 1.2em; font-variant-numeric: tabular-nums; }
.stream { border: 1px solid #ddd; border-radius: 8px; padding: 0.2em 1em 0.8em; margin: 1em 0; }
.badge { font-size: 0.75em; padding: 0.1em 0.6em; border-radius: 1em; background: #ddd; vertical-align: middle; }
.badge.live { background: #c0392b; color: #fff; }
code { background: #f4f6f8; padding: 0.1em 0.3em; border-radius: 3px; }
</style>
</head>
<body>
<h1>p2pstream central</h1>
<p class="muted">Refreshed every ${REFRESH_MS / 1000} s · <a href="/stats.json">stats.json</a> · <span id="refreshed"></span></p>
<div id="live">
${warning}
<dl class="totals">
<div><dt>streams</dt><dd>${stats.streams}</dd></div>
<div><dt>peers</dt><dd>${stats.peers}</dd></div>
<div><dt>connections</dt><dd>${stats.connections}</dd></div>
<div><dt>announces/s</dt><dd>${stats.perSecond.announces}</dd></div>
<div><dt>look-ups/s</dt><dd>${stats.perSecond.lookups}</dd></div>
<div><dt>dialed back: reachable</dt><dd>${stats.dialBacks.reachable}</dd></div>
<div><dt>dialed back: unreachable</dt><dd>${stats.dialBacks.unreachable}</dd></div>
<div><dt>up</dt><dd>${stats.uptimeSeconds} s</dd></div>
</dl>
<p class="muted">registry: ${escape(stats.registry)}</p>
${browserSection(stats.browsers)}
<h2>Streams</h2>
${table}
${streams.map((s) => streamSection(s, watchable)).join('\n')}
</div>
<script>
(() => {
  const refreshed = document.getElementById('refreshed');
  async function refresh() {
    try {
      const response = await fetch(location.pathname, { cache: 'no-store' });
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('live');
      if (next) document.getElementById('live').replaceWith(next);
      refreshed.textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch {
      refreshed.textContent = 'central cannot be reached; trying again';
    }
    setTimeout(refresh, ${REFRESH_MS});
  }
  setTimeout(refresh, ${REFRESH_MS});
})();
</script>
</body>
</html>
`;
}

/** The watch pages connected now, from the QoE they report; a dash for what none reported yet. */
function browserSection(browsers: ViewerQoe): string {
  const fixed = (value: number | undefined, digits: number, unit = '') => (value === undefined ? '–' : `${value.toFixed(digits)}${unit}`);
  const lag = (ms: number | undefined) => fixed(ms === undefined ? undefined : ms / 1000, 1, ' s');
  return `<h2>Browser peers</h2>
<dl class="totals" id="browsers">
<div><dt>watch pages</dt><dd>${browsers.viewers}</dd></div>
<div><dt>continuity mean</dt><dd>${fixed(browsers.continuity?.mean, 3)}</dd></div>
<div><dt>continuity worst</dt><dd>${fixed(browsers.continuity?.worst, 3)}</dd></div>
<div><dt>lag mean</dt><dd>${lag(browsers.lagMs?.mean)}</dd></div>
<div><dt>lag worst</dt><dd>${lag(browsers.lagMs?.worst)}</dd></div>
<div><dt>bytes from peers</dt><dd>${browsers.peerShare === null ? '–' : `${Math.round(browsers.peerShare * 100)}%`}</dd></div>
</dl>`;
}

/** One stream: its key, its peers, and how to watch it in a local peer's player. */
function streamSection(s: StreamStatus, watchable: boolean): string {
  const name = escape(s.name);
  const peers = s.peerList;
  const list =
    peers === undefined
      ? `<p class="muted">${s.peers} peers (not listed: too many streams to look up for one page)</p>`
      : peers.length === 0
        ? '<p class="muted">No peer carries it right now.</p>'
        : `<table>\n<tr><th>peer</th><th>live edge</th></tr>\n${peers
            .map((peer) => `<tr class="peer"><td>${escape(peer.host.includes(':') ? `[${peer.host}]` : peer.host)}:${peer.port}</td><td class="n">${peer.edge}</td></tr>`)
            .join('\n')}\n</table>${s.peers > peers.length ? `<p class="muted">and ${s.peers - peers.length} more</p>` : ''}`;
  return `<section class="stream" data-stream="${name}">
<h3>${name} <span class="badge${s.live ? ' live' : ''}">${s.live ? 'live' : 'finished'}</span></h3>
<p>${s.peers} peers · live edge ${s.edge} · publisher key <code title="${escape(s.stream)}">${escape(streamFingerprint(s.stream))}</code></p>
${watchable ? `<p>Watch it here, in this browser: <a href="${watchPath(s.name)}">${escape(watchPath(s.name))}</a></p>\n` : ''}<p>Watch it in your browser: run <code>npx nx run peer:serve -- watch ${name} --http ${LOCAL_PLAYER}</code>
(add <code>--central HOST:PORT</code> when central is not on this machine's port 2045), then open
<a href="http://${LOCAL_PLAYER}/">http://${LOCAL_PLAYER}/</a>.</p>
${list}
</section>`;
}

export interface StatusPageOptions {
  /**
   * Central serves watch pages (it has `--ws`): each stream links to `/watch/NAME`.
   * @default false
   */
  watchPages?: boolean;
}

/** Where central serves the watch page of stream `name`. */
export function watchPath(name: string): string {
  return `/watch/${encodeURIComponent(name)}`;
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
