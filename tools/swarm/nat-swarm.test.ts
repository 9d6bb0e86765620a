import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testing/index.js';
import { runSwarm, type SwarmReport } from './swarm.js';
import { parseRate } from '@p2pstream/units';
import { parseUplinkMix } from './uplinks.js';
import { hostLinks, leftoverNamespaces } from './host-network.js';

/**
 * One small NAT swarm, as `npm run swarm -- --nat` runs it: needs root (CI runs as root),
 * `ip`, `tc` and `nft`. Four viewers in two homes, each home behind a router that
 * masquerades and lets nothing in unasked; central and the publisher on the "internet".
 *
 * The publisher's uplink (1.5× the stream) cannot feed even one whole home twice over:
 * each home needs every chunk once, so at least 2 − 1.5 = 0.5× the stream has to come
 * into the homes from the other home. A TCP dial to a router is dropped, so those bytes
 * can only come over WebRTC through both NATs, with the address central's STUN told each
 * viewer. What this does not check is how well they play (the machine's load decides that).
 */

const VIEWERS = 4;
const HOMES = 2;
const DURATION_MS = 20_000;
const RATE = parseRate('--rate', '1mbit');

let report: SwarmReport;
let linksBefore: string[];
const workDir = mkdtempSync(join(tmpdir(), 'p2pstream-nat-test-'));

beforeAll(async () => {
  linksBefore = hostLinks();
  report = await runSwarm({
    viewers: VIEWERS,
    bytesPerSecond: RATE,
    publisherLimit: 3 * RATE,
    durationMs: DURATION_MS,
    source: join(REPO_ROOT, 'tools/fixtures/test-stream.mpegts'),
    workDir,
    shaped: { uplinks: parseUplinkMix('3x:100', RATE), publisherUplinkBytesPerSecond: 1.5 * RATE },
    nat: { homes: HOMES, homeShare: 1 },
    name: 'nat-test',
  });
  console.log(
    `NAT swarm of ${VIEWERS} in ${HOMES} homes: continuity ${report.viewers.map((viewer) => viewer.continuity).join(', ')}; ` +
      `across homes ${JSON.stringify(report.nat?.acrossHomes)}; publisher ${report.publisher.uploadMultiple}× the stream`,
  );
}, 150_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  expect(leftoverNamespaces(), 'namespaces of this run').toEqual([]);
  expect(hostLinks(), "the machine's own links").toEqual(linksBefore);
});

describe('a NAT swarm of four viewers in two homes', () => {
  it('puts two viewers behind each router, announced at the router\'s address on ports of their own', () => {
    const viewers = report.nat!.viewers;
    expect(viewers.map((viewer) => viewer.home).sort()).toEqual([1, 1, 2, 2]);
    expect(viewers.every((viewer) => viewer.natted)).toBe(true);
    const entries = viewers.map((viewer) => viewer.entry);
    expect(new Set(entries).size).toBe(VIEWERS);
    expect(new Set(entries.map((entry) => entry.split(':')[0])).size).toBe(HOMES);
  });

  it('plays at every viewer', () => {
    expect(report.viewers).toHaveLength(VIEWERS);
    for (const viewer of report.viewers) {
      expect(viewer.problem, `viewer ${viewer.slot}`).toBeUndefined();
      expect(viewer.played, `viewer ${viewer.slot} played nothing`).toBeGreaterThan(0);
    }
  });

  it('has a NAT\'d viewer serve chunks to a NAT\'d viewer in the other home', () => {
    const across = report.nat!.acrossHomes;
    expect(across.length, JSON.stringify(report.nat)).toBeGreaterThan(0);
    const homeOf = new Map(report.nat!.viewers.map((viewer) => [viewer.slot, viewer.home]));
    for (const pair of across) expect(homeOf.get(pair.from)).not.toBe(homeOf.get(pair.to));
    expect(across[0]!.bytes).toBeGreaterThan(0);
    expect(report.nat!.nattedUploadShare).toBe(1);
  });

  it('has central find the publisher reachable and every viewer behind a router unreachable', () => {
    expect(report.nat!.dialBacks).toEqual({ reachable: 1, unreachable: VIEWERS, busy: 0 });
  });

  it('leaves no namespace of the run and no new link on the machine behind', () => {
    expect(leftoverNamespaces()).toEqual([]);
    expect(hostLinks()).toEqual(linksBefore);
  });
});
