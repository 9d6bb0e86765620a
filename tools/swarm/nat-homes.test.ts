import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ViewerStatsLine } from '@p2pstream/peer-client';
import { onCleanup } from '../testing/cleanup.js';
import { assignHomes, natReport, parseNatFlags, readDialBacks } from './nat-homes.js';

/** A stats line with only what the NAT report reads. */
const line = (bytesUploaded: number, bytesByPeer: Record<string, number>) => ({ bytesUploaded, bytesByPeer }) as unknown as ViewerStatsLine;

describe('assignHomes', () => {
  it('spreads the NAT\'d viewers among the slots and deals them to the homes in turn', () => {
    expect(assignHomes(4, 2, 1)).toEqual([1, 2, 1, 2]);
    expect(assignHomes(10, 4, 0.8)).toEqual([null, 1, 2, 3, 4, null, 1, 2, 3, 4]);
    expect(assignHomes(3, 2, 0)).toEqual([null, null, null]);
  });

  it('refuses a share outside 0..1 and a home count outside 1..40', () => {
    expect(() => parseNatFlags('0', undefined)).toThrow(/--homes/);
    expect(() => parseNatFlags(undefined, '1.5')).toThrow(/--home-share/);
    expect(parseNatFlags(undefined, undefined)).toEqual({ homes: 2, homeShare: 0.8 });
    expect(parseNatFlags('3', '0.5', true)).toEqual({ homes: 3, homeShare: 0.5, traversal: false });
  });
});

describe('natReport', () => {
  it('counts bytes from NAT\'d viewers in other homes only, and the NAT\'d share of upload', () => {
    const report = natReport({ homes: 2, homeShare: 0.75 }, [
      // Viewer 1 (home 1) got bytes from viewer 2 (home 2, counted), viewer 3 (same home: not), viewer 4 (public: not).
      { slot: 1, home: 1, entry: '10.99.0.201:7101', stats: [line(100, { '10.99.0.202:7102': 50 }), line(300, { '10.99.0.202:7102': 80, '10.99.0.201:7103': 9, '10.99.0.14:7104': 7 })] },
      { slot: 2, home: 2, entry: '10.99.0.202:7102', stats: [line(100, {})] },
      { slot: 3, home: 1, entry: '10.99.0.201:7103', stats: [line(0, {})] },
      { slot: 4, home: null, entry: '10.99.0.14:7104', stats: [line(600, { '10.99.0.201:7101': 40 })] },
    ]);
    expect(report.acrossHomes).toEqual([{ from: 2, to: 1, bytes: 80 }]);
    expect(report.viewers.map((viewer) => [viewer.slot, viewer.natted, viewer.bytesUploaded])).toEqual([
      [1, true, 300],
      [2, true, 100],
      [3, true, 0],
      [4, false, 600],
    ]);
    expect(report.nattedUploadShare).toBe(0.4);
  });
});

describe('readDialBacks', () => {
  it('reads what central\'s dial-backs found from its last complete stats line, and null without a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pstream-dial-backs-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'central.jsonl');
    expect(readDialBacks(file)).toBeNull();
    const line = (reachable: number) => JSON.stringify({ peers: 3, dialBacks: { reachable, unreachable: 16, busy: 0 } });
    writeFileSync(file, `${line(1)}\n${line(5)}\n{"peers":`);
    expect(readDialBacks(file)).toEqual({ reachable: 5, unreachable: 16, busy: 0 });
  });
});
