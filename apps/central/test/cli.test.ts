import { describe, expect, it } from 'vitest';
import { UsageError } from '@p2pstream/units';
import { HELP, parseCommandLine } from '../src/cli.js';

const run = (args: string[]) => {
  const command = parseCommandLine(args);
  if (command.action !== 'run') throw new Error(`expected run, got ${command.action}`);
  return command.config;
};

describe('parseCommandLine', () => {
  it('starts with no flags on 0.0.0.0:2045 with the memory registry', () => {
    expect(run([])).toMatchObject({
      host: '0.0.0.0',
      port: 2045,
      registry: { kind: 'memory' },
      maxConnections: 4096,
      maxConnectionsPerIp: 64,
      tracker: { interval: 15_000, ttl: 20_000, grace: 60_000, maxLookupPeers: 50, announceRate: 20, announceBurst: 100, maxStreamsPerIp: 100 },
    });
    expect(run([]).http).toBeUndefined();
    expect(run([]).ws).toBeUndefined();
    expect(run([]).signals).toEqual({ signalRate: 20, maxSignalBytes: 24_576 });
    expect(run([]).reports).toEqual({ reportRate: 1 });
    expect(run([]).dialBack).toEqual({ timeout: 2_000, maxConcurrent: 32 });
  });

  it('dials peers back with --dial-back-timeout and --max-dial-backs, and not at all with a timeout of 0', () => {
    expect(run(['--dial-back-timeout', '500ms', '--max-dial-backs', '4']).dialBack).toEqual({ timeout: 500, maxConcurrent: 4 });
    expect(run(['--dial-back-timeout', '0']).dialBack).toEqual({ timeout: 0, maxConcurrent: 32 });
    expect(() => run(['--max-dial-backs', '0'])).toThrow(/--max-dial-backs/);
    expect(() => run(['--dial-back-timeout', 'soon'])).toThrow(/--dial-back-timeout/);
  });

  it('serves WebSocket on --ws, on --host when given only a port, with the signal limits of its flags', () => {
    expect(run(['--host', '127.0.0.1', '--ws', '2044'])).toMatchObject({ ws: { host: '127.0.0.1', port: 2044 } });
    expect(run(['--ws', '[::1]:0', '--signal-rate', '2.5', '--max-signal-bytes', '4096'])).toMatchObject({
      ws: { host: '::1', port: 0 },
      signals: { signalRate: 2.5, maxSignalBytes: 4096 },
    });
  });

  it('answers STUN on --stun, on --host when given only a port, at --stun-rate per address', () => {
    expect(run([]).stun).toBeUndefined();
    expect(run([]).stunRatePerIp).toBe(20);
    expect(run(['--host', '10.0.0.1', '--stun', '3478', '--stun-rate', '5'])).toMatchObject({ stun: { host: '10.0.0.1', port: 3478 }, stunRatePerIp: 5 });
    expect(() => run(['--stun', 'nope'])).toThrow(UsageError);
    expect(() => run(['--stun', '3478', '--stun-rate', '0'])).toThrow(/--stun-rate/);
  });

  it('hands the watch pages the --ice servers, in order, and refuses --ice without --http and --ws', () => {
    const pages = ['--http', '127.0.0.1:8045', '--ws', '2044'];
    expect(run([...pages, '--ice', 'stun:stun.example.org:3478', '--ice', 'turn:me:s%40cret@turn.example.org']).iceServers).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      { urls: 'turn:turn.example.org', username: 'me', credential: 's@cret' },
    ]);
    expect(run(pages).iceServers).toBeUndefined();
    expect(() => run(['--http', '127.0.0.1:8045', '--ice', 'stun:stun.example.org'])).toThrow(new UsageError('--ice is for the watch pages, which need --http and --ws'));
    expect(() => run([...pages, '--ice', 'http://stun.example.org'])).toThrow(/--ice takes a STUN or TURN server/);
  });

  it('reads every flag', () => {
    const config = run([
      '--host', '127.0.0.1', '--port', '0', '--registry', 'redis://127.0.0.1:6380/2', '--interval', '500ms', '--ttl', '1s',
      '--grace', '2m', '--max-peers', '10', '--announce-rate', '2.5', '--max-streams-per-ip', '7', '--max-connections', '9',
      '--max-connections-per-ip', '3', '--max-handshakes-per-ip', '4', '--connect-rate-per-ip', '0.5', '--connect-burst-per-ip', '6',
      '--first-message-timeout', '5s', '--ban-score', '50', '--ban-time', '2m', '--http', '127.0.0.1:8045', '--stats', '-',
      '--report-rate', '0.2',
    ]);
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      registry: { kind: 'redis', url: 'redis://127.0.0.1:6380/2' },
      maxConnections: 9,
      maxConnectionsPerIp: 3,
      addressLimits: { maxPendingHandshakesPerIp: 4, connectRatePerIp: 0.5, connectBurstPerIp: 6, firstMessageTimeout: 5_000, banScore: 50, banMs: 120_000 },
      http: { host: '127.0.0.1', port: 8045 },
      signals: { signalRate: 20, maxSignalBytes: 24_576 },
      reports: { reportRate: 0.2 },
      dialBack: { timeout: 2_000, maxConcurrent: 32 },
      stats: '-',
      stunRatePerIp: 20,
      tracker: expect.objectContaining({ interval: 500, ttl: 1_000, grace: 120_000, maxLookupPeers: 10, announceRate: 2.5, announceBurst: 13, maxStreamsPerIp: 7 }),
    });
  });

  it('takes a Redis Cluster as --registry redis+cluster:// with some of its masters', () => {
    expect(run(['--registry', 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000']).registry).toEqual({
      kind: 'redis',
      url: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
    });
  });

  it('keeps the memory registry\'s names in --state FILE, under the user\'s state directory by default, or nowhere with none', () => {
    expect(parseCommandLine(['--state', '/tmp/names.json'])).toMatchObject({ config: { state: '/tmp/names.json' } });
    expect(parseCommandLine([], { XDG_STATE_HOME: '/home/u/.state' })).toMatchObject({ config: { state: '/home/u/.state/p2pstream/central-names.json' } });
    expect(parseCommandLine([], { P2PSTREAM_STATE_DIR: '/srv/p2p' })).toMatchObject({ config: { state: '/srv/p2p/central-names.json' } });
    expect(run(['--state', 'none']).state).toBeUndefined();
    expect(run(['--registry', 'redis://127.0.0.1:6379/0']).state).toBeUndefined();
    expect(() => parseCommandLine(['--registry', 'redis://127.0.0.1:6379/0', '--state', 'x.json'])).toThrow(/--state is for the memory registry/);
  });

  it('derives the TTL from the interval when only the interval is given', () => {
    expect(run(['--interval', '60s']).tracker.ttl).toBe(80_000);
    expect(run(['--interval', '300ms']).tracker.ttl).toBe(400);
  });

  it('reads durations in the grammar every program shares: ms, s, m, bare seconds, a space before the unit', () => {
    expect(run(['--interval', '4 s']).tracker.interval).toBe(4_000);
    expect(run(['--interval', '1.5m']).tracker.interval).toBe(90_000);
    expect(run(['--interval', '3']).tracker.interval).toBe(3_000);
    expect(run(['--grace', '250ms']).tracker.grace).toBe(250);
  });

  it('answers --help and --version without starting', () => {
    expect(parseCommandLine(['--help'])).toEqual({ action: 'help' });
    expect(parseCommandLine(['-h', '--port', 'x'])).toEqual({ action: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ action: 'version' });
  });

  it.each([
    [['--port', '65536'], /--port takes a whole number from 0 to 65535/],
    [['--port', '-1'], /--port/],
    [['--max-peers', '51'], /--max-peers takes a whole number from 1 to 50/],
    [['--max-peers', '0'], /--max-peers/],
    [['--registry', 'mysql://x'], /--registry takes memory or a URL like redis:\/\//],
    [['--registry', 'redis://host:1/x'], /database number/],
    [['--registry', 'redis+cluster://host'], /--registry: a Redis Cluster URL lists host:port of its nodes/],
    [['--http', '8045'], /--http takes HOST:PORT/],
    [['--ws', 'x:y'], /--ws/],
    [['--signal-rate', '0'], /--signal-rate takes a number above 0/],
    [['--report-rate', '0'], /--report-rate takes a number above 0/],
    [['--max-signal-bytes', '24577'], /--max-signal-bytes takes a whole number from 1 to 24576/],
    [['--ttl', 'soon'], /--ttl takes a duration like 500ms, 4s or 2m/],
    [['--interval', '10s', '--ttl', '11s'], /TTL \(11000 ms\) must be longer than the longest jittered interval \(11000 ms\)/],
    [['--announce-rate', '0'], /--announce-rate takes a number above 0/],
    [['--connect-rate-per-ip', '0'], /--connect-rate-per-ip takes a number above 0/],
    [['--max-handshakes-per-ip', '0'], /--max-handshakes-per-ip takes a whole number from 1/],
    [['--first-message-timeout', 'never'], /--first-message-timeout takes a duration/],
    [['--nope'], /Unknown option '--nope'/],
    [['extra'], /positional/i],
  ])('refuses %j with a message naming the flag', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(UsageError);
    expect(() => parseCommandLine(args)).toThrow(message);
  });
});

describe('HELP', () => {
  it('documents every default the parser uses', () => {
    expect(HELP).toContain('default 0.0.0.0');
    expect(HELP).toContain('default 2045');
    expect(HELP).toContain('(default 15s)');
    expect(HELP).toContain('the interval: 20s)');
    expect(HELP).toContain('(default 60s)');
    expect(HELP).toContain('(default 50)');
    expect(HELP).toContain('(default 20)');
    expect(HELP).toContain('(default 100)');
    expect(HELP).toContain('at once (default 8)');
    expect(HELP).toContain('average (default 0.2)');
    expect(HELP).toContain('that rate applies (default 16)');
    expect(HELP).toContain('this long is closed (default 15s)');
    expect(HELP).toContain('over the ban time (default 100)');
    expect(HELP).toContain('how long a ban lasts (default 10m)');
    expect(HELP).toContain('~/.local/state/p2pstream/central-names.json');
  });
});
