// The swarm panel: one report a second from /events (Server-Sent Events), drawn
// as the quality numbers, the buffer window and the peers. The same report is
// at /stats.json.
'use strict';

(() => {
  /** After the server refused or lost the event stream, connect again after this long (ms). */
  const RECONNECT_MS = 5000;

  const $ = (id) => document.getElementById(id);

  function rate(bytesPerSecond) {
    if (bytesPerSecond === null) return '—';
    const bits = bytesPerSecond * 8;
    if (bits >= 1e6) return `${(bits / 1e6).toFixed(1)} Mbit/s`;
    if (bits >= 1e3) return `${Math.round(bits / 1e3)} kbit/s`;
    return `${Math.round(bits)} bit/s`;
  }

  function bytes(count) {
    if (count >= 1e9) return `${(count / 1e9).toFixed(2)} GB`;
    if (count >= 1e6) return `${(count / 1e6).toFixed(1)} MB`;
    if (count >= 1e3) return `${Math.round(count / 1e3)} kB`;
    return `${count} B`;
  }

  const seconds = (ms) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const percent = (share) => (share === null ? '—' : `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)} %`);

  function cell(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function drawQuality(report) {
    const q = report.quality;
    $('q-startup').textContent = seconds(q.startupMs);
    $('q-continuity').textContent = `${percent(q.continuity)} (${q.played} played)`;
    $('q-skipped').textContent = String(q.skipped);
    $('q-lag').textContent = report.live ? seconds(q.lagMs) : '— (finished stream)';
    $('q-ahead').textContent = seconds(q.bufferAheadMs);
    $('q-share').textContent = `${percent(q.fromPeersShare)} (${bytes(q.bytesFromPeers)} peers, ${bytes(q.bytesFromPublisher)} publisher)`;
    $('q-down').textContent = rate(q.downloadBytesPerSecond);
    $('q-up').textContent = `${rate(q.uploadBytesPerSecond)} (${bytes(q.bytesUploaded)} in all)`;
  }

  function drawWindow(window) {
    const strip = $('chunks');
    const cells = window.chunks.map((state, i) => {
      const seq = window.first + i;
      const element = cell('i', '', `chunk ${state}${seq === window.playhead ? ' playhead' : ''}`);
      element.title = `chunk ${seq}: ${state}${seq === window.playhead ? ' (playhead)' : ''}`;
      return element;
    });
    const edge = cell('i', '', 'edge');
    edge.title = `live edge: chunk ${Math.max(window.edge - 1, 0)} is the newest`;
    cells.push(edge);
    strip.replaceChildren(...cells);
    const last = window.first + window.chunks.length - 1;
    $('chunks-caption').textContent =
      window.chunks.length === 0
        ? 'no chunks yet'
        : `chunks ${window.first}–${last} · playhead ${window.playhead ?? '—'} · live edge ${Math.max(window.edge - 1, 0)}`;
  }

  function drawPeers(peers) {
    $('peer-count').textContent = String(peers.length);
    const rows = peers.map((peer) => {
      const row = document.createElement('tr');
      const address = cell('td', peer.address);
      if (peer.source) address.append(' ', cell('span', 'publisher', 'tag'));
      if (peer.fromBytesPerSecond === null) address.append(' ', cell('span', 'fetches from us', 'tag quiet'));
      row.append(address, cell('td', rate(peer.fromBytesPerSecond), 'n'), cell('td', rate(peer.toBytesPerSecond), 'n'), cell('td', String(peer.inFlight), 'n'));
      return row;
    });
    if (rows.length === 0) {
      const row = document.createElement('tr');
      const none = cell('td', 'none yet', 'none');
      none.colSpan = 4;
      row.append(none);
      rows.push(row);
    }
    $('peers').replaceChildren(...rows);
  }

  function draw(report) {
    $('stream-name').textContent = report.name;
    document.title = `${report.name} · p2pstream`;
    const state = report.state === 'playing' ? (report.live ? 'live' : 'finished') : report.state === 'looking-up' ? 'looking up' : 'ended';
    $('stream-state').textContent = state;
    $('stream-state').className = `badge ${report.state === 'playing' && report.live ? 'live' : ''}`;
    $('fingerprint').textContent = report.fingerprint || '—';
    $('fingerprint').title = report.stream;
    $('panel-status').textContent = `updated ${new Date(report.time).toLocaleTimeString()} · ${report.players} player(s) on this peer`;
    drawQuality(report);
    drawWindow(report.window);
    drawPeers(report.peers);
  }

  function connect() {
    const events = new EventSource('/events');
    events.onmessage = (event) => draw(JSON.parse(event.data));
    events.onerror = () => {
      $('panel-status').textContent = 'lost the peer; reconnecting…';
      // The browser reconnects by itself after a dropped connection, but not after a refusal (e.g. 503).
      if (events.readyState === EventSource.CLOSED) setTimeout(connect, RECONNECT_MS);
    };
  }

  connect();
})();
