import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findVideoRandomAccess, PAT_PID, packetPid, readPesPts } from '@p2pstream/data';
import { startPeer } from '../../../../tools/swarm/peer-process.js';
import { exitWithin, fixture, loopback, outputProblem, peerFlags, READY_TIMEOUT_MS, startCentral, startPublisher, stopEverything, tempDir } from './processes.js';

/** `watch --from TIME` on a finished stream (the fixture: 20 s, a keyframe every second from PTS 1.48 s). */

const BLOCK = 162;
const FIRST_KEYFRAME_PTS = 1.48 * 90_000;
const EXIT_TIMEOUT_MS = 60_000;

afterEach(stopEverything, 30_000);

describe('watch --from TIME on a finished stream', { timeout: 2 * READY_TIMEOUT_MS + 2 * EXIT_TIMEOUT_MS }, () => {
  it('starts at the keyframe at or before the time, refuses a time past the end with exit 2, and --from 0 is an exact copy', async () => {
    const dir = tempDir();
    const central = await startCentral(BLOCK);
    await startPublisher({ central, host: loopback(BLOCK, 2), name: 'film', dir });
    const watch = async (host: number, from: string) => {
      const out = join(dir, `from-${host}.ts`);
      const peer = await startPeer(['watch', 'film', '--from', from, '--out', out, ...(await peerFlags(central, loopback(BLOCK, host)))], {
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      return { peer, out };
    };
    const [seek, past, zero] = await Promise.all([watch(3, '0:12'), watch(4, '1:40'), watch(5, '0')]);

    expect((await exitWithin(seek.peer, EXIT_TIMEOUT_MS)).code, seek.peer.describe()).toBe(0);
    const output = readFileSync(seek.out);
    expect(packetPid(output, 0), 'the first packet is the PAT').toBe(PAT_PID);
    const keyframeSeconds = (readPesPts(output, findVideoRandomAccess(output))! - FIRST_KEYFRAME_PTS) / 90_000;
    expect(keyframeSeconds).toBeLessThanOrEqual(12);
    expect(keyframeSeconds).toBeGreaterThan(11);
    expect(outputProblem(output, fixture())).toBeUndefined();
    const decoded = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', seek.out, '-f', 'null', '-'], { encoding: 'utf8', timeout: 60_000 });
    expect(decoded.stderr).toBe('');

    const refused = await exitWithin(past.peer, EXIT_TIMEOUT_MS);
    expect(refused.code, past.peer.describe()).toBe(2);
    expect(past.peer.stderr()).toMatch(/--from 1:40 is past the end of film, which is 0:(19|20) long/);
    expect(readFileSync(past.out).length).toBe(0);

    expect((await exitWithin(zero.peer, EXIT_TIMEOUT_MS)).code, zero.peer.describe()).toBe(0);
    expect(readFileSync(zero.out).equals(fixture())).toBe(true);
  });
});
