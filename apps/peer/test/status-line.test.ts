import { describe, expect, it } from 'vitest';
import { Log } from '../src/log.js';
import { finishedStatusLine, formatBytes, formatDuration, liveStatusLine, PlayPace, viewerStatusLine, type ViewerStatus } from '../src/status-line.js';

const reading = (over: Partial<ViewerStatus> = {}): ViewerStatus => ({
  name: 'film',
  live: false,
  peers: 3,
  downBytesPerSecond: 1_234_567,
  upBytesPerSecond: 80_000,
  bufferAheadMs: 3_500,
  lagMs: 5_060,
  played: 10,
  skipped: 0,
  bytes: 4_600_000,
  remaining: 13,
  etaMs: 12_400,
  ...over,
});

describe('the status line of a finished stream', () => {
  it('shows progress, bytes, rates, the time left and peers', () => {
    expect(finishedStatusLine(reading())).toBe('film · 43% (10 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · ETA 0:13 · 3 peers');
  });

  it('says what it does not know yet, and done at the end', () => {
    expect(finishedStatusLine(reading({ played: 0, remaining: undefined, etaMs: undefined, bytes: 0, downBytesPerSecond: 0 }))).toBe(
      'film · 0 chunks · 0 B · ↓ 0 B/s ↑ 80 kB/s · ETA -- · 3 peers',
    );
    expect(finishedStatusLine(reading({ played: 23, remaining: 0, etaMs: 0 }))).toBe('film · 100% (23 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · done · 3 peers');
  });

  it('is the line a viewer shows for a stream that is not live, and the live line is as it was', () => {
    expect(viewerStatusLine(reading())).toBe(finishedStatusLine(reading()));
    const live = reading({ name: 'cam1', live: true });
    expect(viewerStatusLine(live)).toBe('cam1 · 3 peers · ↓ 1.2 MB/s ↑ 80 kB/s · ahead 3.5 s · lag 5.1 s · played 10, skipped 0');
    expect(liveStatusLine({ ...live, lagMs: null })).toBe('cam1 · 3 peers · ↓ 1.2 MB/s ↑ 80 kB/s · ahead 3.5 s · played 10, skipped 0');
  });
});

describe('formatBytes and formatDuration', () => {
  it('write sizes in decimal units and times as clock readings, rounded up', () => {
    expect([950, 12_345, 4_600_000, 1_250_000_000].map(formatBytes)).toEqual(['950 B', '12 kB', '4.6 MB', '1.25 GB']);
    expect([0, 6_001, 750_000, 3_723_000].map(formatDuration)).toEqual(['0:00', '0:07', '12:30', '1:02:03']);
  });
});

describe('PlayPace', () => {
  it('estimates the time left from the pace since the first reading that played something', () => {
    const pace = new PlayPace();
    expect(pace.etaMs(0, undefined, 0)).toBeUndefined();
    expect(pace.etaMs(0, 23, 1_000)).toBeUndefined();
    expect(pace.etaMs(2, 21, 2_000)).toBeUndefined();
    // 4 more chunks in 2 s: 2 chunks a second, 17 left.
    expect(pace.etaMs(6, 17, 4_000)).toBe(8_500);
    expect(pace.etaMs(6, 17, 5_000)).toBe(12_750);
    expect(pace.etaMs(23, 0, 9_000)).toBe(0);
  });
});

describe('Log', () => {
  const capture = (isTTY: boolean) => {
    const written: string[] = [];
    return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
  };

  it('rewrites the status in place on a terminal, under the messages', () => {
    const { stream, written } = capture(true);
    const log = new Log(stream);
    log.status(finishedStatusLine(reading()));
    log.info('p2pstream peer: a message');
    log.status(finishedStatusLine(reading({ played: 11, remaining: 12 })));
    expect(written.join('')).toBe(
      '\r\x1b[Kfilm · 43% (10 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · ETA 0:13 · 3 peers' +
        '\r\x1b[Kp2pstream peer: a message\n' +
        'film · 43% (10 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · ETA 0:13 · 3 peers' +
        '\r\x1b[Kfilm · 47% (11 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · ETA 0:13 · 3 peers',
    );
  });

  it('writes plain lines elsewhere: no carriage returns, no escape codes', () => {
    const { stream, written } = capture(false);
    const log = new Log(stream);
    log.status(finishedStatusLine(reading()));
    log.info('p2pstream peer: a message');
    log.status(liveStatusLine(reading({ live: true })));
    log.clearStatus();
    expect(written.join('')).toBe(
      'film · 43% (10 of 23 chunks) · 4.6 MB · ↓ 1.2 MB/s ↑ 80 kB/s · ETA 0:13 · 3 peers\n' +
        'p2pstream peer: a message\n' +
        'film · 3 peers · ↓ 1.2 MB/s ↑ 80 kB/s · ahead 3.5 s · lag 5.1 s · played 10, skipped 0\n',
    );
  });
});
