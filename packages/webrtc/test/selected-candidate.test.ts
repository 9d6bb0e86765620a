import { describe, expect, it } from 'vitest';
import { remoteCandidateOf } from '../src/selected-candidate.js';
import type { PeerConnection } from '../src/web-rtc-types.js';

type Report = Record<string, unknown>;

const selectedPair: Report[] = [
  { id: 'T1', type: 'transport', selectedCandidatePairId: 'P1' },
  { id: 'P1', type: 'candidate-pair', remoteCandidateId: 'R1' },
  { id: 'R1', type: 'remote-candidate', address: '192.0.2.7', port: 50_123 },
];

/** A peer connection whose `getStats()` answers each read with the next list of reports (the last one repeats). */
function statsSequence(...reads: Report[][]): PeerConnection & { reads: number } {
  const fake = {
    connectionState: 'connected',
    reads: 0,
    async getStats() {
      const reports = reads[Math.min(fake.reads++, reads.length - 1)]!;
      return { forEach: (callback: (report: Report) => void) => reports.forEach(callback) };
    },
  };
  return fake as unknown as PeerConnection & { reads: number };
}

describe('the remote address of a data channel', () => {
  it('is the remote candidate of the selected pair', async () => {
    await expect(remoteCandidateOf(statsSequence(selectedPair))).resolves.toEqual({ address: '192.0.2.7', port: 50_123 });
  });

  it('is found by the nominated, succeeded pair when there is no transport report', async () => {
    const reports = [
      { id: 'P0', type: 'candidate-pair', remoteCandidateId: 'R0', nominated: false, state: 'failed' },
      { id: 'P1', type: 'candidate-pair', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
      { id: 'R0', type: 'remote-candidate', address: '198.51.100.1', port: 1 },
      { id: 'R1', type: 'remote-candidate', ip: '192.0.2.7', port: 50_123 },
    ];
    await expect(remoteCandidateOf(statsSequence(reports))).resolves.toEqual({ address: '192.0.2.7', port: 50_123 });
  });

  it('is read again while the stats do not report a selected pair yet, as right after the channel opens', async () => {
    const peerConnection = statsSequence([], [{ id: 'T1', type: 'transport' }], selectedPair);
    await expect(remoteCandidateOf(peerConnection, { intervalMs: 1 })).resolves.toEqual({ address: '192.0.2.7', port: 50_123 });
    expect(peerConnection.reads).toBe(3);
  });

  it('takes `ip` when `address` is empty, and reads again while both are, rather than give an empty address', async () => {
    const emptyAddress = (fields: Report): Report[] => [selectedPair[0]!, selectedPair[1]!, { id: 'R1', type: 'remote-candidate', port: 50_123, ...fields }];
    await expect(remoteCandidateOf(statsSequence(emptyAddress({ address: '', ip: '192.0.2.7' })))).resolves.toEqual({ address: '192.0.2.7', port: 50_123 });
    const peerConnection = statsSequence(emptyAddress({ address: '', ip: '' }), selectedPair);
    await expect(remoteCandidateOf(peerConnection, { intervalMs: 1 })).resolves.toEqual({ address: '192.0.2.7', port: 50_123 });
    expect(peerConnection.reads).toBe(2);
  });

  it('is undefined after the bounded number of reads when the implementation never says', async () => {
    const peerConnection = statsSequence([]);
    await expect(remoteCandidateOf(peerConnection, { attempts: 4, intervalMs: 1 })).resolves.toBeUndefined();
    expect(peerConnection.reads).toBe(4);
  });
});
