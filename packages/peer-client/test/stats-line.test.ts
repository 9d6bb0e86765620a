import { describe, expect, it } from 'vitest';
import { isViewerStatsLine, parseStatsLine, PeerClientError, VIEWER_SKIP_CAUSES, type PublisherStatsLine, type ViewerStatsLine } from '../src/index.js';

const viewerLine: ViewerStatsLine = {
  time: 1_700_000_000_000,
  role: 'relay',
  name: 'demo',
  stream: 'ab'.repeat(32),
  live: true,
  peers: 3,
  startupMs: 1200,
  played: 40,
  due: 42,
  skipped: 2,
  skippedByCause: { ...(Object.fromEntries(VIEWER_SKIP_CAUSES.map((cause) => [cause, 0])) as ViewerStatsLine['skippedByCause']), late: 2 },
  continuity: 40 / 42,
  lagMs: 2300,
  bufferAheadMs: 1500,
  bytesFromPublisher: 600_000,
  bytesFromPeers: 400_000,
  duplicateBytes: 0,
  badChunks: 0,
  timeouts: 1,
  rebuffers: 0,
  bytesByPeer: { '127.0.0.2:4000': 1_000_000 },
  ended: false,
  bytesUploaded: 250_000,
  uploadPeers: 2,
  rssBytes: 80_000_000,
  outputDropped: 0,
};

const publisherLine: PublisherStatsLine = {
  time: 1_700_000_000_000,
  role: 'publisher',
  name: 'demo',
  stream: 'ab'.repeat(32),
  live: true,
  chunks: 160,
  edge: 160,
  peers: 3,
  bytesUploaded: 2_400_000,
  rssBytes: 70_000_000,
};

function codeOf(line: string): string | undefined {
  try {
    parseStatsLine(line);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(PeerClientError);
    return (error as PeerClientError).code;
  }
}

describe('parseStatsLine', () => {
  it('reads back a viewer’s and a publisher’s line as written, and tells them apart', () => {
    const viewer = parseStatsLine(JSON.stringify(viewerLine));
    const publisher = parseStatsLine(JSON.stringify(publisherLine));
    expect(viewer).toEqual(viewerLine);
    expect(publisher).toEqual(publisherLine);
    expect(isViewerStatsLine(viewer)).toBe(true);
    expect(isViewerStatsLine(publisher)).toBe(false);
  });

  it('refuses a line that is not JSON, quoting it', () => {
    expect(() => parseStatsLine('{"time": 1, "role": "vie')).toThrow(/not JSON: \{"time": 1, "role": "vie/);
    expect(codeOf('{"time": 1, "role": "vie')).toBe('BAD_STATS_LINE');
  });

  it('refuses JSON that is no object, has no known role, or no numeric time', () => {
    expect(codeOf('[1, 2]')).toBe('BAD_STATS_LINE');
    expect(codeOf('null')).toBe('BAD_STATS_LINE');
    expect(() => parseStatsLine('{"time": 1, "role": "seeder"}')).toThrow(/no known role/);
    expect(() => parseStatsLine('{"role": "viewer", "time": "now"}')).toThrow(/no numeric time/);
  });

  it('quotes at most 200 characters of a long bad line', () => {
    const long = `x${'y'.repeat(10_000)}`;
    expect(() => parseStatsLine(long)).toThrow(new RegExp(`not JSON: xy{199}$`));
  });
});
