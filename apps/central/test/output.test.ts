import { describe, expect, it } from 'vitest';
import { watchPageAt } from '../src/central.js';
import { Log, type LogStream } from '../src/log.js';
import { statusLine } from '../src/stats.js';
import { statsDocument, statusPage } from '../src/status-page.js';
import { sampleStats } from './sample-stats.js';

class Capture implements LogStream {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

const stats = sampleStats();

describe('Log', () => {
  const now = () => new Date('2026-01-01T00:00:00.000Z');

  it('writes plain lines with an ISO time off a terminal, and no status line', () => {
    const lines = new Capture(false);
    const errors = new Capture(false);
    const log = new Log({ lines, errors, now });
    log.status('streams 1');
    log.info('central listening on 0.0.0.0:2045 (registry: memory)');
    log.error('central: trouble');
    expect(lines.text).toBe('2026-01-01T00:00:00.000Z central listening on 0.0.0.0:2045 (registry: memory)\n');
    expect(errors.text).toBe('2026-01-01T00:00:00.000Z central: trouble\n');
  });

  it('keeps a status line below the log lines on a terminal', () => {
    const terminal = new Capture(true);
    const log = new Log({ lines: terminal, errors: terminal, now });
    log.status('streams 1');
    log.info('hello');
    log.clearStatus();
    expect(terminal.text).toBe('\r\x1b[Kstreams 1\r\x1b[Khello\nstreams 1\r\x1b[K');
  });
});

describe('status output', () => {
  it('shows streams, peers and rates in one line', () => {
    expect(statusLine(stats)).toBe('streams 1 · peers 4 · connections 3 · 2.5 announces/s · 1 look-ups/s');
    expect(statusLine({ ...stats, registryAvailable: false })).toMatch(/REGISTRY UNAVAILABLE$/);
  });

  it('counts the peers dialed back, reachable and not, on the line and the page once central dialed one', () => {
    const dialBacks = { reachable: 2, unreachable: 16, busy: 0 };
    expect(statusLine({ ...stats, dialBacks })).toBe('streams 1 · peers 4 · connections 3 · 2.5 announces/s · 1 look-ups/s · dialed back 2 reachable, 16 unreachable');
    const html = statusPage({ ...stats, dialBacks }, []);
    expect(html).toContain('<dt>dialed back: reachable</dt><dd>2</dd>');
    expect(html).toContain('<dt>dialed back: unreachable</dt><dd>16</dd>');
  });

  it('adds the browser peers and their worst QoE to the line and the page once watch pages report', () => {
    const browsers = { viewers: 3, continuity: { mean: 0.99, worst: 0.975 }, lagMs: { mean: 3_000, worst: 4_240 }, bytesFromPeers: 710, bytesFromPublisher: 290, bytesUploaded: 500, peerShare: 0.71 };
    expect(statusLine({ ...stats, browsers })).toBe(
      'streams 1 · peers 4 · connections 3 · 2.5 announces/s · 1 look-ups/s · browsers 3 (continuity ≥ 0.97, lag ≤ 4.2 s, 71% from peers)',
    );
    const html = statusPage({ ...stats, browsers }, []);
    expect(html).toContain('<dt>watch pages</dt><dd>3</dd>');
    expect(html).toContain('<dt>continuity worst</dt><dd>0.975</dd>');
    expect(html).toContain('<dt>lag worst</dt><dd>4.2 s</dd>');
    expect(html).toContain('<dt>bytes from peers</dt><dd>71%</dd>');
    expect(statusPage(stats, [])).toContain('<dt>continuity mean</dt><dd>–</dd>');
  });

  it('renders each stream as a row and escapes what it shows', () => {
    const html = statusPage({ ...stats, registry: 'redis://<x>' }, [{ name: 'cam1', stream: 'a'.repeat(64), live: false, peers: 4, viewers: 3, edge: 99 }]);
    expect(html).toContain('<td>cam1</td><td>finished</td><td class="n">4</td><td class="n">99</td>');
    expect(html).toContain('<dt>announces/s</dt><dd>2.5</dd>');
    expect(html).toContain('<dt>look-ups/s</dt><dd>1</dd>');
    expect(html).toContain('redis://&#60;x&#62;');
    expect(html).not.toContain('<x>');
    expect(statusPage(stats, [])).toContain('No streams yet.');
    expect(statusPage({ ...stats, registryAvailable: false }, [])).toContain('cannot be reached');
  });

  it('serves the reading and the stream list as JSON', () => {
    const document = JSON.parse(statsDocument(stats, [{ name: 'cam1', stream: 'a'.repeat(64), live: true, peers: 4, viewers: 3, edge: 99 }]));
    expect(document).toMatchObject({ streams: 1, peers: 4, perSecond: { announces: 2.5 }, streamList: [{ name: 'cam1', peers: 4 }] });
  });
});

describe("the watch page's URL central gives a publisher", () => {
  it("names the status server's host, or on every interface the address the publisher reached central on", () => {
    expect(watchPageAt({ address: '127.0.0.1', port: 8045, family: 'IPv4' }, 'cam1', '10.0.0.9')).toBe('http://127.0.0.1:8045/watch/cam1');
    expect(watchPageAt({ address: '0.0.0.0', port: 8045, family: 'IPv4' }, 'cam1', '192.168.1.20')).toBe('http://192.168.1.20:8045/watch/cam1');
    expect(watchPageAt({ address: '::', port: 8045, family: 'IPv6' }, 'cam1', '2001:db8::5')).toBe('http://[2001:db8::5]:8045/watch/cam1');
    expect(watchPageAt({ address: '0.0.0.0', port: 8045, family: 'IPv4' }, 'cam1', undefined)).toBe('http://127.0.0.1:8045/watch/cam1');
  });
});
