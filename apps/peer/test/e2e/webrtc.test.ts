import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../../../../tools/testing/cleanup.js';
import { startRedisServer } from '../../../../tools/testing/index.js';
import { exitWithin, fixture, loopback, READY_TIMEOUT_MS, startCentral, startPublisher, startViewer, stopEverything, tempDir } from './processes.js';

const BLOCK = 211;
/** Two centrals on one Redis: their own loopback blocks. */
const [BLOCK_A, BLOCK_B] = [212, 213];
/** Set-up through central, then the finished fixture (1.5 MB) over one data channel on loopback. */
const WATCH_TIMEOUT_MS = 60_000;
const OVER_WEBRTC = /connected over a WebRTC data channel/;

afterEach(stopEverything, 30_000);

describe('watch --webrtc', { timeout: 2 * READY_TIMEOUT_MS + WATCH_TIMEOUT_MS }, () => {
  it('fetches a finished stream byte for byte over a data channel set up through central', async () => {
    const dir = tempDir();
    // A viewer dials over TCP a publisher central dialed back: without dial-backs it knows no better than WebRTC.
    const central = await startCentral(BLOCK, { args: ['--dial-back-timeout', '0'] });
    const publisher = await startPublisher({ central, host: loopback(BLOCK, 2), name: 'film', dir, args: ['--webrtc'] });
    const viewer = await startViewer({ central, host: loopback(BLOCK, 3), name: 'film', dir, args: ['--webrtc'] });

    expect(await exitWithin(viewer.peer, WATCH_TIMEOUT_MS), viewer.peer.describe()).toEqual({ code: 0, signal: null });
    const output = readFileSync(viewer.out);
    expect(output.equals(fixture()), `the viewer wrote ${output.length} of ${fixture().length} bytes, or other bytes`).toBe(true);
    // The publisher says so for each peer that reached it over a data channel: here the one viewer, from its own address.
    const lines = publisher.peer.stderr().split('\n').filter((line) => OVER_WEBRTC.test(line));
    expect(lines, publisher.peer.describe()).toHaveLength(1);
    expect(lines[0]).toContain(`a peer at ${loopback(BLOCK, 3)}:`);
  });

  it('sets the channel up between peers whose centrals differ, through the Redis both centrals share', async () => {
    const dir = tempDir();
    const redis = await startRedisServer();
    onCleanup(() => redis.stop());
    // Without dial-backs, as above: a publisher central reached is dialed over TCP.
    const registry = ['--registry', redis.url, '--dial-back-timeout', '0'];
    const [centralA, centralB] = await Promise.all([startCentral(BLOCK_A, { args: registry }), startCentral(BLOCK_B, { args: registry })]);
    const publisher = await startPublisher({ central: centralA, host: loopback(BLOCK_A, 2), name: 'film', dir, args: ['--webrtc'] });
    const viewer = await startViewer({ central: centralB, host: loopback(BLOCK_B, 3), name: 'film', dir, args: ['--webrtc'] });

    expect(await exitWithin(viewer.peer, WATCH_TIMEOUT_MS), viewer.peer.describe()).toEqual({ code: 0, signal: null });
    expect(readFileSync(viewer.out).equals(fixture())).toBe(true);
    const lines = publisher.peer.stderr().split('\n').filter((line) => OVER_WEBRTC.test(line));
    expect(lines, publisher.peer.describe()).toHaveLength(1);
    expect(lines[0]).toContain(`a peer at ${loopback(BLOCK_B, 3)}:`);
  });

  it('still fetches over TCP from a publisher that takes no signals', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    const publisher = await startPublisher({ central, host: loopback(BLOCK, 4), name: 'film', dir });
    const viewer = await startViewer({ central, host: loopback(BLOCK, 5), name: 'film', dir, args: ['--webrtc'] });

    expect(await exitWithin(viewer.peer, WATCH_TIMEOUT_MS), viewer.peer.describe()).toEqual({ code: 0, signal: null });
    expect(readFileSync(viewer.out).equals(fixture())).toBe(true);
    expect(publisher.peer.stderr()).not.toMatch(OVER_WEBRTC);
  });
});
