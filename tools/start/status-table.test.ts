import { describe, expect, it } from 'vitest';
import { VIEWER_SKIP_CAUSES, type ViewerStatsLine } from '@p2pstream/peer-client';
import { formatBytes, formatElapsed, renderStatus } from './status-table.js';

const viewer = (fields: Partial<ViewerStatsLine>): ViewerStatsLine => ({
  time: 0,
  role: 'viewer',
  name: 'demo',
  stream: 'ab'.repeat(32),
  live: true,
  peers: 2,
  startupMs: 1500,
  played: 40,
  due: 40,
  skipped: 0,
  skippedByCause: Object.fromEntries(VIEWER_SKIP_CAUSES.map((cause) => [cause, 0])) as ViewerStatsLine['skippedByCause'],
  continuity: 1,
  lagMs: 2300,
  bufferAheadMs: 3000,
  bytesFromPublisher: 600_000,
  bytesFromPeers: 400_000,
  bytesByPeer: {},
  bytesUploaded: 0,
  uploadPeers: 0,
  duplicateBytes: 0,
  badChunks: 0,
  timeouts: 0,
  rebuffers: 0,
  ended: false,
  rssBytes: 0,
  ...fields,
});

describe('the live table', () => {
  it('shows each viewer’s peers, continuity, lag and the share of bytes from peers and from the publisher', () => {
    const lines = renderStatus({
      elapsedMs: 83_000,
      publisherAddress: '127.0.0.2:40000',
      publisher: { time: 0, role: 'publisher', name: 'demo', stream: 'ab', live: true, chunks: 160, edge: 160, peers: 3, bytesUploaded: 2_400_000, rssBytes: 0 },
      viewers: [
        { label: '1', address: '127.0.0.11:41000', stats: viewer({}) },
        { label: '2', address: '127.0.0.12:41001', stats: viewer({ peers: 3, continuity: 0.975, lagMs: 12_345, bytesFromPublisher: 0, bytesFromPeers: 5 }) },
      ],
    });
    expect(lines).toEqual([
      '1:23  publisher 127.0.0.2:40000: 3 peers, 2.4 MB uploaded',
      'viewer              peers  continuity     lag  from peers  from publisher',
      '1 127.0.0.11:41000      2      100.0%   2.3 s         40%             60%',
      '2 127.0.0.12:41001      3       97.5%  12.3 s        100%              0%',
    ]);
  });

  it('says a viewer is starting before its first stats line, and shows no figures before it has any', () => {
    const lines = renderStatus({
      elapsedMs: 2_000,
      publisherAddress: '127.0.0.2:40000',
      publisher: undefined,
      viewers: [
        { label: '1', address: '127.0.0.11:41000', stats: undefined },
        { label: '2', address: '127.0.0.12:41001', stats: viewer({ due: 0, played: 0, lagMs: null, bytesFromPublisher: 0, bytesFromPeers: 0 }) },
      ],
    });
    expect(lines[0]).toBe('0:02  publisher 127.0.0.2:40000: starting');
    expect(lines[2]).toBe('1 127.0.0.11:41000  starting');
    expect(lines[3]!.split(/\s{2,}/)).toEqual(['2 127.0.0.12:41001', '2', '—', '—', '—', '—']);
  });

  it('shows a viewer that stopped on its own as stopped, in place of its figures', () => {
    const lines = renderStatus({
      elapsedMs: 0,
      publisherAddress: '127.0.0.2:40000',
      publisher: undefined,
      viewers: [{ label: '1', address: '127.0.0.11:41000', stats: viewer({}), stopped: 'exited with code 1' }],
    });
    expect(lines[2]).toBe('1 127.0.0.11:41000  exited with code 1');
  });

  it('aligns viewers 1 to 10 on one column', () => {
    const viewers = Array.from({ length: 10 }, (_, index) => ({ label: String(index + 1), address: `127.0.0.${11 + index}:41000`, stats: viewer({}) }));
    const lines = renderStatus({ elapsedMs: 0, publisherAddress: '127.0.0.2:40000', publisher: undefined, viewers });
    expect(new Set(lines.slice(1).map((line) => line.length)).size).toBe(1);
  });

  it('writes elapsed time and byte counts the short way', () => {
    expect([formatElapsed(7_900), formatElapsed(754_000), formatElapsed(3_723_000)]).toEqual(['0:07', '12:34', '1:02:03']);
    expect([formatBytes(512), formatBytes(830_400), formatBytes(12_400_000), formatBytes(3_100_000_000)]).toEqual(['512 B', '830 kB', '12.4 MB', '3.1 GB']);
  });
});
