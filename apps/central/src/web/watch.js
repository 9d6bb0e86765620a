// The watch page's player: the stream comes from the swarm through the page's own viewer
// (watch() from the p2pstream bundle: WebRTC data channels to peers, every chunk verified),
// and mpegts.js plays those bytes through Media Source Extensions. mpegts.js reads them
// through a custom loader instead of a URL.
import { watch } from './p2pstream.js'; // /assets/p2pstream.js, beside this file

const config = JSON.parse(document.getElementById('watch-config').textContent);
const video = document.getElementById('video');
const statusText = document.getElementById('status');
const statsText = document.getElementById('stats');
const mpegts = window.mpegts;
/** Refresh of the numbers under the picture, in ms. */
const STATS_MS = 1000;

/** Central's WebSocket endpoint: the host this page came from when central listens on every interface. */
const wildcard = config.wsHost === '0.0.0.0' || config.wsHost === '::' || config.wsHost === '';
const wsHost = wildcard ? location.hostname : config.wsHost;
const central = `ws://${wsHost.includes(':') && !wsHost.startsWith('[') ? `[${wsHost}]` : wsHost}:${config.wsPort}/ws`;

function show(text, problem = false) {
  statusText.textContent = text;
  statusText.dataset.problem = problem ? 'yes' : 'no';
}

let viewer;
// The viewer's numbers (BrowserViewerStats) for whatever reads the page, devtools or a test: read-only, undefined until watching began.
Object.defineProperty(window, 'p2pstreamStats', { get: () => viewer?.stats() });

/** mpegts.js's loader interface over watch(): each piece of the stream arrives as the next bytes of one endless download. */
class SwarmLoader extends mpegts.BaseLoader {
  constructor() {
    super('p2pstream-swarm');
    this._needStash = true;
    this._received = 0;
  }

  open() {
    this._status = mpegts.LoaderStatus.kConnecting;
    watch({
      central,
      stream: config.name,
      iceServers: config.iceServers,
      onBytes: (bytes) => {
        if (this._status !== mpegts.LoaderStatus.kBuffering && this._status !== mpegts.LoaderStatus.kConnecting) return;
        this._status = mpegts.LoaderStatus.kBuffering;
        const at = this._received;
        this._received += bytes.length;
        // A copy of exactly these bytes: `bytes` may be a view into a larger buffer.
        if (this._onDataArrival) this._onDataArrival(new Uint8Array(bytes).buffer, at, this._received);
      },
      onWarning: (error) => console.warn(`p2pstream: ${error.message}`),
    }).then(
      (started) => {
        viewer = started;
        if (this._status === mpegts.LoaderStatus.kComplete) void started.close();
        else show(`watching ${config.name} from the swarm`);
      },
      (error) => {
        this._status = mpegts.LoaderStatus.kError;
        show(`cannot watch ${config.name}: ${error.message}`, true);
        if (this._onError) this._onError(mpegts.LoaderErrors.EXCEPTION, { code: -1, msg: error.message });
      },
    );
  }

  abort() {
    this._status = mpegts.LoaderStatus.kComplete;
    if (viewer) void viewer.close();
  }
}

function start() {
  if (!mpegts || !mpegts.getFeatureList().mseLivePlayback) {
    show('this browser cannot play the stream here (no Media Source Extensions)', true);
    return;
  }
  const player = mpegts.createPlayer(
    { type: 'mpegts', isLive: true, url: `p2pstream:${config.name}` },
    {
      enableWorker: false,
      lazyLoad: false,
      autoCleanupSourceBuffer: true,
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 4,
      liveBufferLatencyMinRemain: 1,
      customLoader: SwarmLoader,
    },
  );
  player.on(mpegts.Events.ERROR, (type, detail) => show(`the player stopped: ${type}: ${detail}`, true));
  player.attachMediaElement(video);
  player.load();
  show(`looking ${config.name} up…`);
  const playing = player.play();
  if (playing) playing.catch(() => undefined);
}

/** ` (late 2, evicted 1)`: why chunks were skipped, or nothing when none was. */
function skipCauses(byCause) {
  const causes = Object.entries(byCause).filter(([, count]) => count > 0);
  return causes.length === 0 ? '' : ` (${causes.map(([cause, count]) => `${cause} ${count}`).join(', ')})`;
}

setInterval(() => {
  if (!viewer) return;
  const s = viewer.stats();
  const kib = (bytes) => `${Math.round(bytes / 1024)} KiB`;
  statsText.textContent =
    `peers ${s.peers} · played ${s.played} · skipped ${s.skipped}${skipCauses(s.skippedByCause)} · continuity ${s.continuity.toFixed(3)} · ` +
    `from the publisher ${kib(s.bytesFromPublisher)} · from other peers ${kib(s.bytesFromPeers)}` +
    (s.lagMs === null ? '' : ` · lag ${(s.lagMs / 1000).toFixed(1)} s`);
}, STATS_MS);

video.addEventListener('error', () => show(`the video element failed: ${video.error ? video.error.message || video.error.code : 'unknown'}`, true));
start();
