import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, HELP, parseCommandLine, type PublishConfig, type WatchConfig } from '../src/cli.js';
import { UsageError } from '@p2pstream/units';

const run = (args: string[]) => {
  const command = parseCommandLine(args);
  if (command.action !== 'run') throw new Error(`expected run, got ${command.action}`);
  return command.config;
};

describe('parseCommandLine', () => {
  it('fills in the defaults of a peer: central 127.0.0.1:2045, 0.0.0.0:2050, 20 peers, 8 upload slots, 24 served peers, no upload cap', () => {
    expect(run(['watch', 'cam1'])).toEqual({
      command: 'watch',
      name: 'cam1',
      centrals: ['127.0.0.1:2045'],
      host: '0.0.0.0',
      port: 2050,
      uploadLimit: undefined,
      uploadSlots: 8,
      maxUploadQueueMs: 1500,
      maxPeers: 20,
      maxServedPeers: 24,
      addressLimits: {
        maxConnectionsPerIp: 32,
        maxPendingHandshakesPerIp: 8,
        connectRatePerIp: 0.2,
        connectBurstPerIp: 16,
        firstMessageTimeout: 15_000,
        banScore: 100,
        banMs: 600_000,
      },
      stats: undefined,
      out: undefined,
      http: undefined,
      fromMs: undefined,
      player: undefined,
      behindMs: undefined,
      latencyMs: 2000,
      maxLatencyMs: 6000,
      silenceMs: 30_000,
      exitOnSilence: false,
      maxChunkSkewMs: undefined,
      symmetric: true,
      listen: true,
    });
  });

  it('turns symmetric connections and listening off for watch and relay, and refuses --no-listen with --webrtc', () => {
    expect(run(['relay', 'cam1', '--no-symmetric', '--no-listen'])).toMatchObject({ symmetric: false, listen: false });
    expect(run(['watch', 'cam1', '--no-symmetric'])).toMatchObject({ symmetric: false, listen: true });
    expect(() => run(['watch', 'cam1', '--no-listen', '--webrtc'])).toThrow(/--no-listen answers no offers/);
    expect(() => run(['publish', 'cam1', '--source', '-', '--no-listen'])).toThrow(/no-listen/);
    // A swarm passes one set of flags to every peer: the publisher, which never dials, takes this one.
    expect(run(['publish', 'cam1', '--source', '-', '--no-symmetric'])).toMatchObject({ command: 'publish' });
  });

  it('reads every flag of watch, with --central repeated for fail-over', () => {
    const config = run([
      'watch', 'cam1', '--central', '10.0.0.1:2045', '--central', '10.0.0.2:2045', '--host', '127.0.0.7', '--port', '0',
      '--upload-limit', '2mbit', '--upload-slots', '3', '--max-upload-queue', '1.5s', '--max-peers', '5', '--max-served-peers', '40', '--stats', 's.jsonl', '--out', '-', '--http', '8080', '--from', '1:30',
      '--behind', '2.5s', '--max-connections-per-ip', '4', '--max-handshakes-per-ip', '2', '--connect-rate-per-ip', '1.5',
      '--connect-burst-per-ip', '3', '--first-message-timeout', '20s', '--ban-score', '40', '--ban-time', '90s', '--cache', '8MiB',
      '--silence', '10s', '--exit-on-silence', '--max-chunk-skew', '90s',
    ]) as WatchConfig;
    expect(config).toMatchObject({
      addressLimits: { maxConnectionsPerIp: 4, maxPendingHandshakesPerIp: 2, connectRatePerIp: 1.5, connectBurstPerIp: 3, firstMessageTimeout: 20_000, banScore: 40, banMs: 90_000 },
      centrals: ['10.0.0.1:2045', '10.0.0.2:2045'],
      host: '127.0.0.7',
      port: 0,
      uploadLimit: 250_000,
      uploadSlots: 3,
      maxUploadQueueMs: 1500,
      maxPeers: 5,
      maxServedPeers: 40,
      stats: 's.jsonl',
      cacheBytes: 8 * 1024 * 1024,
      out: '-',
      http: { host: '127.0.0.1', port: 8080 },
      fromMs: 90_000,
      behindMs: 2500,
      latencyMs: undefined,
      maxLatencyMs: undefined,
      silenceMs: 10_000,
      exitOnSilence: true,
      maxChunkSkewMs: 90_000,
    });
    expect((run(['relay', 'cam1', '--max-chunk-skew', '2m']) as WatchConfig).maxChunkSkewMs).toBe(120_000);
    expect(run(['watch', 'cam1', '--latency', '1500ms'])).toMatchObject({ latencyMs: 1500, maxLatencyMs: 6000 });
    expect(run(['watch', 'cam1', '--latency', '8s'])).toMatchObject({ latencyMs: 8000, maxLatencyMs: 8000 });
    expect(run(['watch', 'cam1', '--max-latency', '3s'])).toMatchObject({ latencyMs: 2000, maxLatencyMs: 3000 });
    // A relay fetches for the viewers near it: at the viewers' default latency, not seconds behind them.
    expect(run(['relay', 'cam1'])).toMatchObject({ behindMs: undefined, latencyMs: 2000, maxLatencyMs: 6000 });
    expect((run(['watch', 'cam1', '--http', '0.0.0.0:9000']) as WatchConfig).http).toEqual({ host: '0.0.0.0', port: 9000 });
  });

  it('reads --webrtc with its limits (8 set-ups, 15 s unless given), and refuses the limits without it', () => {
    expect((run(['watch', 'cam1']) as WatchConfig).webrtc).toBeUndefined();
    expect((run(['watch', 'cam1', '--webrtc']) as WatchConfig).webrtc).toEqual({ maxSetups: 8, openTimeoutMs: 15_000, iceServers: [] });
    expect((run(['publish', 'cam1', '--source', '-', '--webrtc', '--webrtc-setups', '2', '--webrtc-timeout', '5s']) as PublishConfig).webrtc).toEqual({
      maxSetups: 2,
      openTimeoutMs: 5_000,
      iceServers: [],
    });
    expect(() => run(['watch', 'cam1', '--webrtc-setups', '2'])).toThrow(new UsageError('--webrtc-setups, --webrtc-timeout and --ice need --webrtc'));
    expect(() => run(['watch', 'cam1', '--webrtc', '--webrtc-setups', '0'])).toThrow(/--webrtc-setups/);
  });

  it('reads --ice as STUN and TURN servers for --webrtc, in order, TURN with its credentials', () => {
    const config = run([
      'watch', 'cam1', '--webrtc',
      '--ice', 'stun:stun.example.org',
      '--ice', 'stun:[2001:db8::1]:3478',
      '--ice', 'turns:alice:s%40cret@turn.example.org:5349?transport=tcp',
    ]) as WatchConfig;
    expect(config.webrtc?.iceServers).toEqual([
      { urls: 'stun:stun.example.org' },
      { urls: 'stun:[2001:db8::1]:3478' },
      { urls: 'turns:turn.example.org:5349?transport=tcp', username: 'alice', credential: 's@cret' },
    ]);
    expect(() => run(['watch', 'cam1', '--ice', 'stun:stun.example.org'])).toThrow(new UsageError('--webrtc-setups, --webrtc-timeout and --ice need --webrtc'));
    for (const [url, problem] of [
      ['http://stun.example.org', /--ice takes a STUN or TURN server like stun:/],
      ['stun:host:70000', /--ice takes a STUN or TURN server/],
      ['turn:turn.example.org:3478', /a TURN server needs its user name and password, as turn:USER:PASS@turn.example.org/],
      ['stun:bob:pw@stun.example.org', /a STUN server takes no user name or password/],
    ] as const) {
      expect(() => run(['watch', 'cam1', '--webrtc', '--ice', url]), url).toThrow(problem);
    }
  });

  it('reads --mpv, --vlc and --ffplay as the player to start', () => {
    for (const player of ['mpv', 'vlc', 'ffplay']) expect((run(['watch', 'film', `--${player}`]) as WatchConfig).player).toBe(player);
  });

  it('reads publish: a file is finished unless --realtime, --bitrate or --loop make it live', () => {
    expect(run(['publish', 'film', '--source', 'movie.ts'])).toMatchObject({ command: 'publish', source: 'movie.ts', realtime: false, loop: false });
    expect(run(['publish', 'cam1', '--source', 'clip.ts', '--loop'])).toMatchObject({ realtime: true, loop: true });
    const paced = run(['publish', 'cam1', '--source', 'clip.raw', '--bitrate', '2mbit', '--key', 'k.key']) as PublishConfig;
    expect(paced).toMatchObject({ realtime: true, bitrate: 2_000_000, key: 'k.key' });
  });

  it('reads publish --super-seed as a duration, 0 turning it off, and leaves the default to the peer server', () => {
    expect(run(['publish', 'film', '--source', 'movie.ts'])).toMatchObject({ superSeedMs: undefined });
    expect(run(['publish', 'film', '--source', 'movie.ts', '--super-seed', '800ms'])).toMatchObject({ superSeedMs: 800 });
    expect(run(['publish', 'film', '--source', 'movie.ts', '--super-seed', '0'])).toMatchObject({ superSeedMs: 0 });
    expect(() => run(['publish', 'film', '--source', 'movie.ts', '--super-seed', '2m'])).toThrow(/--super-seed takes a duration from 0 s to 60 s/);
    expect(() => run(['watch', 'film', '--super-seed', '1s'])).toThrow(/Unknown option '--super-seed'/);
  });

  it('cuts a finished file at 256 KiB, or publish --chunk-size; a live source on time, refusing --chunk-size', () => {
    expect(run(['publish', 'film', '--source', 'movie.ts'])).toMatchObject({ chunkBytes: 256 * 1024 });
    expect(run(['publish', 'film', '--source', 'movie.ts', '--chunk-size', '64KiB'])).toMatchObject({ chunkBytes: 64 * 1024 });
    expect(run(['publish', 'cam1', '--source', '-'])).toMatchObject({ chunkBytes: undefined });
    expect(run(['publish', 'cam1', '--source', 'clip.ts', '--realtime'])).toMatchObject({ chunkBytes: undefined });
    expect(() => run(['publish', 'film', '--source', 'movie.ts', '--chunk-size', '2MiB'])).toThrow(/--chunk-size takes at most 1MiB/);
    expect(() => run(['publish', 'cam1', '--source', '-', '--chunk-size', '256KiB'])).toThrow(/--chunk-size cuts a FILE published finished/);
    expect(() => run(['publish', 'cam1', '--source', 'clip.ts', '--loop', '--chunk-size', '256KiB'])).toThrow(/--chunk-size cuts a FILE/);
  });

  it('reads watch --finished-pace as a duration, and leaves the default to the peer client', () => {
    expect((run(['watch', 'film']) as WatchConfig).finishedChunkMs).toBeUndefined();
    expect((run(['watch', 'film', '--finished-pace', '400ms']) as WatchConfig).finishedChunkMs).toBe(400);
    expect(() => run(['watch', 'film', '--finished-pace', '0'])).toThrow(/--finished-pace takes a duration/);
    expect(() => run(['publish', 'film', '--source', 'movie.ts', '--finished-pace', '400ms'])).toThrow(/Unknown option '--finished-pace'/);
  });

  it('says in --help that a finished file is cut at 256 KiB and that viewers pace by the chunks\' size, the flag overriding it', () => {
    expect(COMMAND_HELP.publish).toMatch(/--chunk-size SIZE[^]*default 256KiB[^]*viewers pace by the size\s+they receive and need no setting/);
    expect(COMMAND_HELP.watch).toMatch(/--finished-pace TIME[^]*by the chunks' size, 100ms per 64KiB, so\s+400ms for the 256KiB chunks[^]*this overrides it/);
    expect(COMMAND_HELP.watch).not.toMatch(/give 400ms/);
  });

  it('reads publish --format: MPEG-TS unless raw is asked for', () => {
    expect(run(['publish', 'film', '--source', 'movie.ts'])).toMatchObject({ format: 'ts' });
    expect(run(['publish', 'film', '--source', 'notes.bin', '--format', 'raw'])).toMatchObject({ format: 'raw' });
    expect(() => run(['publish', 'film', '--source', 'movie.mp4', '--format', 'mp4'])).toThrow(/--format is ts .* or raw .*not "mp4"/);
  });

  it('says what is wrong with a command line it cannot run', () => {
    const cases: Array<[string[], RegExp]> = [
      [['play', 'cam1'], /unknown command "play"/],
      [['publish', 'cam1'], /--source/],
      [['publish', '--source', 'x.ts'], /needs a stream name/],
      [['watch', 'cam1', '--connect-rate-per-ip', '0'], /--connect-rate-per-ip takes a number above 0/],
      [['relay', 'cam1', '--max-handshakes-per-ip', '0'], /--max-handshakes-per-ip takes a whole number from 1/],
      [['publish', 'cam1', '--source', '-', '--loop'], /stdin/],
      [['watch', '../etc/passwd'], /not a stream name/],
      [['watch', 'cam1', '--port', '70000'], /--port takes a whole number from 0 to 65535/],
      [['watch', 'cam1', '--upload-limit', 'fast'], /--upload-limit takes a rate/],
      [['watch', 'cam1', '--cache', 'lots'], /--cache takes a size like 16MiB/],
      [['publish', 'cam1', '--source', 'x.ts', '--cache', '5GiB'], /--cache takes at most 4GiB/],
      [['watch', 'cam1', '--max-peers', '51'], /--max-peers/],
      [['watch', 'cam1', '--behind', '2 hours'], /--behind takes a duration from 0 s to 30 s/],
      [['watch', 'cam1', '--behind', '45s'], /--behind takes a duration/],
      [['watch', 'cam1', '--latency', 'soon'], /--latency takes a duration/],
      [['watch', 'cam1', '--behind', '2s', '--latency', '2s'], /--behind and --latency both say where live play starts/],
      [['relay', 'cam1', '--latency', '2s'], /Unknown option '--latency'/],
      [['watch', 'cam1', '--latency', '3s', '--max-latency', '2s'], /--max-latency 2s is less than the latency it bounds \(3s\)/],
      [['watch', 'cam1', '--behind', '3s', '--max-latency', '8s'], /--max-latency bounds --latency; --behind skips what comes late/],
      [['watch', 'cam1', '--max-latency', 'later'], /--max-latency takes a duration/],
      [['watch', 'cam1', '--silence', '0'], /--silence takes a duration/],
      [['watch', 'cam1', '--max-upload-queue', '0'], /--max-upload-queue takes a duration/],
      [['publish', 'cam1', '--source', '-', '--max-upload-queue', '2h'], /--max-upload-queue takes a duration from .* to 3600 s/],
      [['relay', 'cam1', '--behind', '2s'], /Unknown option '--behind'/],
      [['watch', 'cam1', '--max-chunk-skew', '5s'], /--max-chunk-skew takes a duration from 10 s to 86400 s/],
      [['relay', 'cam1', '--max-chunk-skew', 'soon'], /--max-chunk-skew takes a duration/],
      [['publish', 'cam1', '--source', 'x.ts', '--max-chunk-skew', '1m'], /Unknown option '--max-chunk-skew'/],
      [['watch', 'cam1', '--volume', '3'], /Unknown option '--volume'/],
      [['watch', 'a', 'b'], /one stream name/],
      [['relay'], /relay needs a stream name/],
      [['list', 'cam1'], /list takes no name/],
      [['watch', 'film', '--from', '1:75'], /--from takes a time into the stream like 90, 1:30/],
      [['watch', 'film', '--from', '5x'], /--from takes a time/],
      [['watch', 'film', '--mpv', '--vlc'], /one player: --mpv or --vlc/],
      [['watch', 'film', '--ffplay', '--out', '-'], /--ffplay plays the stream itself/],
    ];
    for (const [args, message] of cases) {
      let caught: unknown;
      try {
        parseCommandLine(args);
      } catch (error) {
        caught = error;
      }
      expect(caught, args.join(' ')).toBeInstanceOf(UsageError);
      expect((caught as Error).message, args.join(' ')).toMatch(message);
    }
  });

  it('answers --help for the program and for each command, and every flag a command takes is in its help', () => {
    expect(parseCommandLine([])).toEqual({ action: 'help', text: HELP });
    expect(parseCommandLine(['--help'])).toEqual({ action: 'help', text: HELP });
    const flags = {
      publish: ['--source', '--realtime', '--bitrate', '--loop', '--key', '--format', '--super-seed'],
      watch: ['--out', '--http', '--from', '--behind', '--latency', '--max-latency', '--max-chunk-skew'],
      relay: ['--max-chunk-skew'],
      list: [],
    };
    const common = [
      '--central', '--host', '--port', '--upload-limit', '--upload-slots', '--max-upload-queue', '--max-peers', '--stats', '--help',
      '--max-connections-per-ip', '--max-handshakes-per-ip', '--connect-rate-per-ip', '--connect-burst-per-ip', '--first-message-timeout',
      '--ban-score', '--ban-time', '--cache',
    ];
    for (const [command, own] of Object.entries(flags) as Array<[keyof typeof COMMAND_HELP, string[]]>) {
      const help = parseCommandLine([command, '--help']);
      expect(help).toEqual({ action: 'help', text: COMMAND_HELP[command] });
      for (const flag of command === 'list' ? ['--central', '--help'] : [...own, ...common]) expect(COMMAND_HELP[command], `${command} ${flag}`).toContain(flag);
      expect(HELP).toContain(command);
    }
    for (const flag of common) expect(HELP).toContain(flag);
  });
});
