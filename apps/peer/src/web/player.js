// The player: /stream.ts through mpegts.js into the <video>. A live stream is
// kept near the live edge and jumps over a hole in the buffered media. After a
// chunk the swarm skipped, the peer sends on from the next keyframe and
// mpegts.js bridges the gap in the timestamps, so the picture only waits. On an
// error (which stops mpegts.js for good), or a picture stuck while the stream
// keeps arriving, the player is started again.
'use strict';

(() => {
  const STREAM_URL = new URL('/stream.ts', location.href).href;
  const STATS_URL = new URL('/stats.json', location.href).href;
  /** Checks of the playhead, once a second. */
  const WATCH_MS = 1000;
  /** Seconds of buffered media past the playhead beyond which it jumps forward to the live edge. */
  const MAX_BEHIND_S = 6;
  /** How far behind the buffered end a jump lands, in seconds. */
  const EDGE_MARGIN_S = 1.5;
  /**
   * Checks in a row with the playhead stuck while the stream's bytes keep arriving,
   * before the player is started again: the media lands where it is never played
   * (a source whose timestamps jumped back) or does not decode. While no bytes
   * arrive (the swarm skipped chunks, the source paused) the page just waits:
   * starting again would not bring them sooner.
   */
  const MAX_STUCK_CHECKS = 2;
  /** Wait before starting again, in ms. */
  const RESTART_DELAY_MS = 500;

  const video = document.getElementById('video');
  const unmute = document.getElementById('unmute');
  const unmuteLabel = document.getElementById('unmute-label');
  const statusText = document.getElementById('player-status');
  const behindText = document.getElementById('player-behind');
  const recoveriesText = document.getElementById('player-recoveries');
  document.getElementById('stream-url').textContent = STREAM_URL;
  document.getElementById('hls-url').textContent = new URL('/live.m3u8', location.href).href;

  /** Whether the stream is live, once the peer has found it. */
  let live = true;
  let player;
  let restartTimer;
  let lastTime = 0;
  let stuckChecks = 0;
  let recoveries = 0;

  function show(text) {
    statusText.textContent = text;
  }

  function start() {
    const mpegts = window.mpegts;
    if (!mpegts || !mpegts.getFeatureList().mseLivePlayback) {
      show('this browser cannot play the stream here (no Media Source Extensions): open the address below in VLC or mpv');
      return;
    }
    player = mpegts.createPlayer(
      { type: 'mpegts', isLive: live, url: STREAM_URL },
      {
        enableWorker: false,
        lazyLoad: false,
        autoCleanupSourceBuffer: true,
        liveBufferLatencyChasing: live,
        liveBufferLatencyMaxLatency: 4,
        liveBufferLatencyMinRemain: 1,
      },
    );
    player.on(mpegts.Events.ERROR, (type, detail) => restart(`${type}: ${detail}`));
    player.attachMediaElement(video);
    player.load();
    show('connecting to the stream…');
    const playing = player.play();
    if (playing) playing.catch(() => undefined);
  }

  function stop() {
    if (!player) return;
    player.pause();
    player.unload();
    player.detachMediaElement();
    player.destroy();
    player = undefined;
  }

  /** Stops the player and starts a new one; may be called from inside mpegts.js's own event handlers, so it stops nothing there. */
  function restart(why) {
    if (restartTimer) return;
    recoveries += 1;
    recoveriesText.textContent = `recovered ${recoveries}×`;
    show(`recovering (${why})…`);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      stop();
      lastTime = 0;
      stuckChecks = 0;
      start();
    }, RESTART_DELAY_MS);
  }

  /** Whether the stream's bytes reached mpegts.js in about the last second (its download speed, in KB/s). */
  function bytesArriving() {
    const { speed } = player.statisticsInfo;
    return typeof speed === 'number' && speed > 0;
  }

  function bufferedEnd() {
    const { buffered } = video;
    return buffered.length > 0 ? buffered.end(buffered.length - 1) : 0;
  }

  /** The start of the first buffered range after the playhead: where playing can go on after a gap. */
  function nextRangeStart() {
    const { buffered } = video;
    for (let i = 0; i < buffered.length; i++) if (buffered.start(i) > video.currentTime) return buffered.start(i);
    return undefined;
  }

  function watch() {
    if (!player || restartTimer) return;
    if (video.error) return restart(`media error ${video.error.code}`);
    const end = bufferedEnd();
    const behind = end - video.currentTime;
    behindText.textContent = end > 0 ? `· ${behind.toFixed(1)} s buffered` : '';
    if (live && end > 0 && behind > MAX_BEHIND_S) {
      video.currentTime = end - EDGE_MARGIN_S;
      return;
    }
    const moved = video.currentTime !== lastTime;
    lastTime = video.currentTime;
    if (moved && !video.paused) {
      stuckChecks = 0;
      show(live ? 'playing live' : 'playing');
      return;
    }
    if (video.paused && video.readyState >= 2) {
      const playing = video.play();
      if (playing) playing.catch(() => undefined);
    }
    if (end === 0) return;
    const next = live ? nextRangeStart() : undefined;
    if (next !== undefined) {
      // A hole in the buffered media: play on from after it.
      video.currentTime = next + 0.05;
      show('skipped a gap in the stream');
      return;
    }
    stuckChecks = bytesArriving() ? stuckChecks + 1 : 0;
    if (stuckChecks >= MAX_STUCK_CHECKS) restart('the picture is stuck while the stream arrives');
    else show('waiting for the stream…');
  }

  function showMute() {
    unmuteLabel.textContent = video.muted ? 'Unmute' : 'Mute';
    unmute.classList.toggle('sound-on', !video.muted);
    unmute.setAttribute('aria-pressed', String(!video.muted));
  }

  unmute.addEventListener('click', () => {
    video.muted = !video.muted;
    if (video.paused) video.play().catch(() => undefined);
    showMute();
  });
  video.addEventListener('volumechange', showMute);
  /** Waits until the peer has found the stream (its report says so), and learns whether it is live. */
  async function streamFound() {
    for (;;) {
      try {
        const response = await fetch(STATS_URL, { cache: 'no-store' });
        if (response.ok) {
          const report = await response.json();
          if (report.state !== 'looking-up') return report.live;
        }
      } catch {
        // The peer is starting or restarting: ask again.
      }
      show('waiting for the peer to find the stream…');
      await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
    }
  }

  showMute();
  streamFound().then((isLive) => {
    live = isLive;
    start();
    setInterval(watch, WATCH_MS);
  });
})();
