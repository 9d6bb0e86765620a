import { afterEach, describe, expect, it } from 'vitest';
import { runPeer, startPeer } from '../../../../tools/swarm/peer-process.js';
import { exitWithin, loopback, peerFlags, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir } from './processes.js';

/**
 * `watch NAME --mpv`: the real mpv, headless (no video or audio output, told to
 * stop after some frames through P2PSTREAM_PLAYER_ARGS), on a live swarm on loopback.
 */

const BLOCK = 165;
/** Three seconds of the fixture's 25 fps video. */
const FRAMES = 75;
const EXIT_TIMEOUT_MS = 90_000;

afterEach(stopEverything, 30_000);

describe('watch --mpv', { timeout: 2 * READY_TIMEOUT_MS + 2 * EXIT_TIMEOUT_MS }, () => {
  it('starts mpv on the stream, which plays it, and ends with mpv, with its exit code', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'live', dir, realtime: true, loop: true });

    const playing = await startPeer(['watch', 'live', '--mpv', ...(await peerFlags(central, loopback(BLOCK, 3)))], {
      stdout: 'keep',
      readyTimeoutMs: READY_TIMEOUT_MS,
      // mpv expands ${width}x${height} once the video plays.
      env: { P2PSTREAM_PLAYER_ARGS: `--vo=null --ao=null --frames=${FRAMES} --term-playing-msg=playing-\${width}x\${height}` },
    });
    const played = await exitWithin(playing, EXIT_TIMEOUT_MS);
    expect(played.code, playing.describe()).toBe(0);
    expect(playing.stdout().toString()).toContain('playing-640x360');
    expect(playing.stderr()).toMatch(/mpv exited \(0\); stopping/);

    // An mpv that fails: watch ends with its code.
    const failing = await startPeer(['watch', 'live', '--mpv', ...(await peerFlags(central, loopback(BLOCK, 4)))], {
      readyTimeoutMs: READY_TIMEOUT_MS,
      env: { P2PSTREAM_PLAYER_ARGS: '--no-such-option' },
    });
    expect((await exitWithin(failing, EXIT_TIMEOUT_MS)).code, failing.describe()).toBe(1);
    expect(failing.stderr()).toMatch(/mpv exited \(1\); stopping/);
  });

  it('says how to get the player when it is not installed', async () => {
    const run = await runPeer(['watch', 'live', '--mpv', '--central', '127.0.0.1:9'], { env: { PATH: '/nonexistent' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mpv not found: install it (apt-get install mpv) or use --out - | your-player');
  });
});
