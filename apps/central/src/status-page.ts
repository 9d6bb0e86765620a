import type { StreamSummary } from './registry.js';
import type { CentralStats } from './stats.js';

/** What `/stats.json` serves: the latest reading, and as `streamList` the streams `list` would show. */
export function statsDocument(stats: CentralStats, streams: readonly StreamSummary[]): string {
  return `${JSON.stringify({ ...stats, streamList: streams }, null, 2)}\n`;
}

/** The small HTML page served at `/`: totals, rates and one row per stream. It reloads itself every 5 s. */
export function statusPage(stats: CentralStats, streams: readonly StreamSummary[]): string {
  const rows = streams
    .map(
      (s) =>
        `<tr><td>${escape(s.name)}</td><td>${s.live ? 'live' : 'finished'}</td><td class="n">${s.peers}</td>` +
        `<td class="n">${s.edge}</td><td><code title="${escape(s.stream)}">${escape(s.stream.slice(0, 16))}…</code></td></tr>`,
    )
    .join('\n');
  const warning = stats.registryAvailable
    ? ''
    : `<p class="warn">The registry (${escape(stats.registry)}) cannot be reached; the numbers below are the last known.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>p2pstream central</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
td, th { padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }
.n { text-align: right; }
.warn { color: #a00; font-weight: bold; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { color: #666; }
</style>
</head>
<body>
<h1>p2pstream central</h1>
${warning}
<dl>
<dt>streams</dt><dd>${stats.streams}</dd>
<dt>peers</dt><dd>${stats.peers}</dd>
<dt>connections</dt><dd>${stats.connections}</dd>
<dt>announces/s</dt><dd>${stats.perSecond.announces}</dd>
<dt>look-ups/s</dt><dd>${stats.perSecond.lookups}</dd>
<dt>registry</dt><dd>${escape(stats.registry)}</dd>
<dt>up</dt><dd>${stats.uptimeSeconds} s</dd>
</dl>
<h2>Streams</h2>
${streams.length === 0 ? '<p>No streams yet.</p>' : `<table>\n<tr><th>name</th><th>state</th><th>peers</th><th>edge</th><th>stream id</th></tr>\n${rows}\n</table>`}
<p><a href="/stats.json">stats.json</a></p>
</body>
</html>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
