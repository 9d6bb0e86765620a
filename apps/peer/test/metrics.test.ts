import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpListenError, startMetricsServer, type MetricsServer } from '@p2pstream/metrics';
import type { PublisherStatsLine, ViewerStatsLine } from '@p2pstream/peer-client';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_HELP, HELP, parseCommandLine, type WatchConfig } from '../src/cli.js';
import { Lifecycle } from '../src/lifecycle.js';
import { Log } from '../src/log.js';
import { PeerMetrics } from '../src/metrics.js';
import { startPeerNode } from '../src/peer-node.js';
import { UsageError } from '@p2pstream/units';
import { UserError } from '../src/usage-error.js';
import { parseMetrics } from './metrics-text.js';

const viewer = (overrides: Partial<ViewerStatsLine> = {}): ViewerStatsLine => ({
  time: 1_795_602_047_654,
  role: 'viewer',
  stream: 'f6cd',
  name: 'cam1',
  live: true,
  peers: 4,
  startupMs: 3552,
  played: 36,
  due: 38,
  skipped: 2,
  skippedByCause: { 'never-announced': 0, 'timed-out': 1, 'refused-busy': 0, 'held-back': 0, late: 1, evicted: 0 },
  continuity: 36 / 38,
  lagMs: 6512,
  bufferAheadMs: 5000,
  bytesFromPublisher: 1_395_900,
  bytesFromPeers: 84_976,
  duplicateBytes: 0,
  badChunks: 1,
  timeouts: 3,
  rebuffers: 5,
  bytesByPeer: {},
  ended: false,
  bytesUploaded: 70_000,
  uploadPeers: 2,
  rssBytes: 94_244_864,
  ...overrides,
});

const publisher = (overrides: Partial<PublisherStatsLine> = {}): PublisherStatsLine => ({
  time: 1_795_602_049_875,
  role: 'publisher',
  name: 'cam1',
  stream: 'f6cd',
  live: true,
  chunks: 36,
  edge: 36,
  peers: 2,
  bytesUploaded: 2_876_776,
  rssBytes: 76_558_336,
  ...overrides,
});

describe('PeerMetrics', () => {
  it("reports a viewer's numbers under p2pstream_peer_ names with the Prometheus type each is", async () => {
    const metrics = new PeerMetrics();
    metrics.trackViewer(() => viewer());
    const scrape = parseMetrics(await metrics.metrics());
    expect(Object.fromEntries([...scrape.types].filter(([name]) => name.startsWith('p2pstream_')))).toEqual({
      p2pstream_peer_info: 'gauge',
      p2pstream_peer_sent_bytes_total: 'counter',
      p2pstream_peer_peers: 'gauge',
      p2pstream_peer_startup_seconds: 'gauge',
      p2pstream_peer_chunks_played_total: 'counter',
      p2pstream_peer_chunks_skipped_total: 'counter',
      p2pstream_peer_chunks_late_total: 'counter',
      p2pstream_peer_continuity_ratio: 'gauge',
      p2pstream_peer_lag_seconds: 'gauge',
      p2pstream_peer_buffer_ahead_seconds: 'gauge',
      p2pstream_peer_received_bytes_total: 'counter',
      p2pstream_peer_bad_chunks_total: 'counter',
      p2pstream_peer_request_timeouts_total: 'counter',
    });
    expect(scrape.value('p2pstream_peer_info', { role: 'viewer', name: 'cam1' })).toBe(1);
    expect(scrape.value('p2pstream_peer_startup_seconds')).toBe(3.552);
    expect(scrape.value('p2pstream_peer_chunks_played_total')).toBe(36);
    expect(scrape.value('p2pstream_peer_chunks_skipped_total', { cause: 'timed-out' })).toBe(1);
    expect(scrape.value('p2pstream_peer_chunks_skipped_total', { cause: 'late' })).toBe(1);
    for (const cause of ['never-announced', 'refused-busy', 'held-back', 'evicted']) {
      expect(scrape.value('p2pstream_peer_chunks_skipped_total', { cause })).toBe(0);
    }
    expect(scrape.value('p2pstream_peer_chunks_late_total')).toBe(5);
    expect(scrape.value('p2pstream_peer_continuity_ratio')).toBeCloseTo(36 / 38, 10);
    expect(scrape.value('p2pstream_peer_lag_seconds')).toBe(6.512);
    expect(scrape.value('p2pstream_peer_buffer_ahead_seconds')).toBe(5);
    expect(scrape.value('p2pstream_peer_received_bytes_total', { source: 'publisher' })).toBe(1_395_900);
    expect(scrape.value('p2pstream_peer_received_bytes_total', { source: 'peer' })).toBe(84_976);
    expect(scrape.value('p2pstream_peer_sent_bytes_total')).toBe(70_000);
    expect(scrape.value('p2pstream_peer_peers', { direction: 'download' })).toBe(4);
    expect(scrape.value('p2pstream_peer_peers', { direction: 'upload' })).toBe(2);
    expect(scrape.value('p2pstream_peer_bad_chunks_total')).toBe(1);
    expect(scrape.value('p2pstream_peer_request_timeouts_total')).toBe(3);
  });

  it('reads the snapshot at each scrape, so counters follow the running totals as they grow', async () => {
    let record = viewer({ played: 10, bytesFromPeers: 1000, bytesUploaded: 500 });
    const metrics = new PeerMetrics();
    metrics.trackViewer(() => record);
    const first = parseMetrics(await metrics.metrics());
    record = viewer({ played: 25, bytesFromPeers: 4000, bytesUploaded: 9000 });
    const second = parseMetrics(await metrics.metrics());
    expect(first.value('p2pstream_peer_chunks_played_total')).toBe(10);
    expect(second.value('p2pstream_peer_chunks_played_total')).toBe(25);
    expect(second.value('p2pstream_peer_received_bytes_total', { source: 'peer' })).toBe(4000);
    expect(second.value('p2pstream_peer_sent_bytes_total')).toBe(9000);
  });

  it('leaves out startup and lag until the first chunk is played', async () => {
    let record = viewer({ startupMs: null, lagMs: null, played: 0 });
    const metrics = new PeerMetrics();
    metrics.trackViewer(() => record);
    const before = parseMetrics(await metrics.metrics());
    expect(before.types.get('p2pstream_peer_startup_seconds')).toBe('gauge');
    expect(before.value('p2pstream_peer_startup_seconds')).toBeUndefined();
    expect(before.value('p2pstream_peer_lag_seconds')).toBeUndefined();
    record = viewer({ startupMs: 1200, lagMs: 4000, played: 1 });
    const after = parseMetrics(await metrics.metrics());
    expect(after.value('p2pstream_peer_startup_seconds')).toBe(1.2);
    expect(after.value('p2pstream_peer_lag_seconds')).toBe(4);
  });

  it("reports a publisher's chunks cut, bytes sent and peers, and none of a viewer's metrics", async () => {
    const metrics = new PeerMetrics();
    metrics.trackPublisher(() => publisher());
    const scrape = parseMetrics(await metrics.metrics());
    expect(scrape.types.get('p2pstream_peer_published_chunks_total')).toBe('counter');
    expect(scrape.value('p2pstream_peer_published_chunks_total')).toBe(36);
    expect(scrape.value('p2pstream_peer_sent_bytes_total')).toBe(2_876_776);
    expect(scrape.value('p2pstream_peer_peers', { direction: 'upload' })).toBe(2);
    expect(scrape.value('p2pstream_peer_peers', { direction: 'download' })).toBeUndefined();
    expect(scrape.value('p2pstream_peer_info', { role: 'publisher', name: 'cam1' })).toBe(1);
    expect(scrape.types.has('p2pstream_peer_chunks_played_total')).toBe(false);
    expect(scrape.types.has('p2pstream_peer_received_bytes_total')).toBe(false);
  });

  it("adds Node's process metrics in a registry of its own, leaving prom-client's global registry alone", async () => {
    const metrics = new PeerMetrics();
    metrics.trackPublisher(() => publisher());
    const scrape = parseMetrics(await metrics.metrics());
    expect(scrape.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(scrape.types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(await globalRegistry.metrics()).not.toContain('p2pstream_peer_');
  });
});

// The endpoint's own answers (HEAD, 404, 405, 500) are @p2pstream/metrics' tests; here, what the peer serves there and says.
describe('the --metrics server', () => {
  const servers: MetricsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('serves the peer’s numbers at /metrics in Prometheus text format', async () => {
    const metrics = new PeerMetrics();
    metrics.trackPublisher(() => publisher());
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, source: metrics });
    servers.push(server);
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/metrics`);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(parseMetrics(await response.text()).value('p2pstream_peer_published_chunks_total')).toBe(36);
  });

  it('stops the peer with a UserError naming --metrics when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as AddressInfo).port;
    const log = new Log({ isTTY: false, write: () => true });
    const lifecycle = new Lifecycle(log);
    try {
      const command = parseCommandLine(['watch', 'cam1', '--metrics', `127.0.0.1:${taken}`]);
      if (command.action !== 'run' || command.config.command !== 'watch') throw new Error('expected watch');
      const failure = await startPeerNode(command.config, log, lifecycle).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UserError);
      expect((failure as UserError).message).toBe(`--metrics 127.0.0.1:${taken} is already in use — choose another port with --metrics HOST:PORT`);
      expect(((failure as UserError).cause as HttpListenError).code).toBe('ADDRESS_IN_USE');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('--metrics on the command line', () => {
  const metricsOf = (args: string[]) => {
    const command = parseCommandLine(args);
    if (command.action !== 'run' || command.config.command === 'list') throw new Error('expected a peer command');
    return command.config.metrics;
  };

  it('takes HOST:PORT, or a bare PORT on 127.0.0.1, on publish, watch and relay', () => {
    expect(metricsOf(['watch', 'cam1', '--metrics', '9100'])).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(metricsOf(['relay', 'cam1', '--metrics', '0.0.0.0:9101'])).toEqual({ host: '0.0.0.0', port: 9101 });
    expect(metricsOf(['publish', 'cam1', '--source', '-', '--metrics', '[::1]:9102'])).toEqual({ host: '::1', port: 9102 });
    expect((parseCommandLine(['watch', 'cam1']) as { config: WatchConfig }).config.metrics).toBeUndefined();
  });

  it('refuses a value that is not HOST:PORT or PORT, naming the flag', () => {
    expect(() => parseCommandLine(['watch', 'cam1', '--metrics', 'localhost'])).toThrow(UsageError);
    expect(() => parseCommandLine(['watch', 'cam1', '--metrics', '127.0.0.1:70000'])).toThrow(/--metrics/);
  });

  it('is in the help of every command that runs a peer', () => {
    expect(HELP).toContain('--metrics HOST:PORT');
    for (const command of ['publish', 'watch', 'relay'] as const) expect(COMMAND_HELP[command]).toContain('--metrics HOST:PORT');
  });
});
