import { startMetricsServer } from '@p2pstream/metrics';
import { register as globalRegistry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, startProgram, stopAllPrograms } from '../../../tools/testing/index.js';
import { UsageError } from '@p2pstream/units';
import { HELP, parseCommandLine } from '../src/cli.js';
import { CentralMetrics } from '../src/metrics.js';
import type { CentralStats } from '../src/stats.js';
import { sampleStats } from './sample-stats.js';

const MAIN = 'apps/central/src/main.ts';

const reading = (overrides: Partial<CentralStats> = {}): CentralStats =>
  sampleStats({ totals: { publish: 1, announce: 30, lookup: 12, list: 2, leave: 5, restored: 1, refused: { NAME_TAKEN: 2, RATE_LIMITED: 7 } }, ...overrides });

/** The value of the sample written exactly as `series` (name and labels), or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

afterAll(async () => {
  await stopAllPrograms();
});

describe('CentralMetrics', () => {
  it('reports streams, peers, requests and refusals by code under p2pstream_central_ names with their types', async () => {
    const text = await new CentralMetrics(() => reading()).metrics();
    const types = {
      streams: 'gauge',
      peers: 'gauge',
      connections: 'gauge',
      registry_up: 'gauge',
      announces_total: 'counter',
      lookups_total: 'counter',
      publishes_total: 'counter',
      lists_total: 'counter',
      leaves_total: 'counter',
      publishes_restored_total: 'counter',
      errors_total: 'counter',
    };
    for (const [name, type] of Object.entries(types)) expect(text).toContain(`# TYPE p2pstream_central_${name} ${type}\n`);
    expect(value(text, 'p2pstream_central_streams')).toBe(1);
    expect(value(text, 'p2pstream_central_peers')).toBe(4);
    expect(value(text, 'p2pstream_central_connections')).toBe(3);
    expect(value(text, 'p2pstream_central_registry_up')).toBe(1);
    expect(value(text, 'p2pstream_central_announces_total')).toBe(30);
    expect(value(text, 'p2pstream_central_lookups_total')).toBe(12);
    expect(value(text, 'p2pstream_central_publishes_total')).toBe(1);
    expect(value(text, 'p2pstream_central_lists_total')).toBe(2);
    expect(value(text, 'p2pstream_central_leaves_total')).toBe(5);
    expect(value(text, 'p2pstream_central_publishes_restored_total')).toBe(1);
    expect(value(text, 'p2pstream_central_errors_total{code="NAME_TAKEN"}')).toBe(2);
    expect(value(text, 'p2pstream_central_errors_total{code="RATE_LIMITED"}')).toBe(7);
  });

  it('reports signals relayed (and across centrals), and refused by code, apart from the requests refused', async () => {
    const signals = { relayed: 9, relayedAcross: 4, receivedAcross: 3, refused: { SIGNAL_TARGET_GONE: 2, RATE_LIMITED: 1 } };
    const text = await new CentralMetrics(() => reading({ signals })).metrics();
    expect(text).toContain('# TYPE p2pstream_central_signals_relayed_total counter\n');
    expect(value(text, 'p2pstream_central_signals_relayed_total')).toBe(9);
    expect(value(text, 'p2pstream_central_signals_across_centrals_total{direction="sent"}')).toBe(4);
    expect(value(text, 'p2pstream_central_signals_across_centrals_total{direction="received"}')).toBe(3);
    expect(value(text, 'p2pstream_central_signals_refused_total{code="SIGNAL_TARGET_GONE"}')).toBe(2);
    expect(value(text, 'p2pstream_central_signals_refused_total{code="RATE_LIMITED"}')).toBe(1);
  });

  it('reports dial-backs by what they found: reachable, unreachable and not tried', async () => {
    const text = await new CentralMetrics(() => reading({ dialBacks: { reachable: 5, unreachable: 12, busy: 1 } })).metrics();
    expect(value(text, 'p2pstream_central_dial_backs_total{result="reachable"}')).toBe(5);
    expect(value(text, 'p2pstream_central_dial_backs_total{result="unreachable"}')).toBe(12);
    expect(value(text, 'p2pstream_central_dial_backs_total{result="busy"}')).toBe(1);
  });

  it('reports the browser peers, their mean and worst continuity and lag, and the share of bytes from peers', async () => {
    const browsers = { viewers: 2, continuity: { mean: 0.995, worst: 0.99 }, lagMs: { mean: 2_500, worst: 4_000 }, bytesFromPeers: 600, bytesFromPublisher: 400, bytesUploaded: 900, peerShare: 0.6 };
    const text = await new CentralMetrics(() => reading({ browsers, reports: { accepted: 14, refused: { RATE_LIMITED: 1 } } })).metrics();
    expect(text).toContain('# TYPE p2pstream_central_browser_peers gauge\n');
    expect(value(text, 'p2pstream_central_browser_peers')).toBe(2);
    expect(value(text, 'p2pstream_central_browser_continuity_mean')).toBe(0.995);
    expect(value(text, 'p2pstream_central_browser_continuity_worst')).toBe(0.99);
    expect(value(text, 'p2pstream_central_browser_lag_seconds_mean')).toBe(2.5);
    expect(value(text, 'p2pstream_central_browser_lag_seconds_worst')).toBe(4);
    expect(value(text, 'p2pstream_central_browser_bytes_from_peers_ratio')).toBe(0.6);
    expect(value(text, 'p2pstream_central_browser_received_bytes{source="peers"}')).toBe(600);
    expect(value(text, 'p2pstream_central_browser_uploaded_bytes')).toBe(900);
    expect(value(text, 'p2pstream_central_browser_reports_total')).toBe(14);
    expect(value(text, 'p2pstream_central_browser_reports_refused_total{code="RATE_LIMITED"}')).toBe(1);
  });

  it('says NaN, not a perfect or zero score, for QoE no page reported yet', async () => {
    const text = await new CentralMetrics(() => reading()).metrics();
    expect(value(text, 'p2pstream_central_browser_peers')).toBe(0);
    expect(value(text, 'p2pstream_central_browser_continuity_worst')).toBeNaN();
    expect(value(text, 'p2pstream_central_browser_lag_seconds_mean')).toBeNaN();
    expect(value(text, 'p2pstream_central_browser_bytes_from_peers_ratio')).toBeNaN();
  });

  it('follows the latest reading at each scrape, and says when the registry is down', async () => {
    let latest = reading();
    const metrics = new CentralMetrics(() => latest);
    await metrics.metrics();
    latest = reading({
      registryAvailable: false,
      totals: { publish: 1, announce: 45, lookup: 20, list: 2, leave: 5, restored: 1, refused: { NAME_TAKEN: 2, RATE_LIMITED: 7, REGISTRY_UNAVAILABLE: 3 } },
    });
    const text = await metrics.metrics();
    expect(value(text, 'p2pstream_central_announces_total')).toBe(45);
    expect(value(text, 'p2pstream_central_lookups_total')).toBe(20);
    expect(value(text, 'p2pstream_central_errors_total{code="REGISTRY_UNAVAILABLE"}')).toBe(3);
    expect(value(text, 'p2pstream_central_registry_up')).toBe(0);
  });

  it("adds Node's process metrics in a registry of its own, leaving prom-client's global registry alone", async () => {
    const text = await new CentralMetrics(() => reading()).metrics();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter\n');
    expect(await globalRegistry.metrics()).not.toContain('p2pstream_central_');
  });
});

describe('the --metrics server', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  const start = async () => {
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, source: new CentralMetrics(() => reading()) });
    closers.push(() => server.close());
    return `http://127.0.0.1:${server.address.port}`;
  };

  // The endpoint's own answers (404, 405, 500, a port in use) are @p2pstream/metrics' tests; here, what central serves there.
  it('serves central’s numbers as Prometheus text at /metrics', async () => {
    const base = await start();
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(value(await response.text(), 'p2pstream_central_streams')).toBe(1);
  });
});

describe('--metrics on the command line', () => {
  const metricsOf = (args: string[]) => {
    const command = parseCommandLine(args);
    if (command.action !== 'run') throw new Error(`expected run, got ${command.action}`);
    return command.config.metrics;
  };

  it('takes HOST:PORT, or a bare PORT on 127.0.0.1, and is in the help', () => {
    expect(metricsOf(['--metrics', '9100'])).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(metricsOf(['--metrics', '0.0.0.0:9101'])).toEqual({ host: '0.0.0.0', port: 9101 });
    expect(metricsOf([])).toBeUndefined();
    expect(() => parseCommandLine(['--metrics', 'localhost'])).toThrow(UsageError);
    expect(() => parseCommandLine(['--metrics', '99999'])).toThrow(/--metrics/);
    expect(HELP).toContain('--metrics HOST:PORT');
  });

  it('makes the program say where the metrics are, and exit 1 naming the flag when the port is taken', { timeout: 30_000 }, async () => {
    const port = await freePort('127.0.0.1');
    const first = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', '0', '--metrics', String(port)], {
      readyLine: /central listening on/,
    });
    expect(first.stdout()).toContain(`; metrics at http://127.0.0.1:${port}/metrics`);
    const second = await startProgram(MAIN, ['--host', '127.0.0.1', '--port', '0', '--metrics', `127.0.0.1:${port}`]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain(`central: --metrics 127.0.0.1:${port} is already in use — choose another port with --metrics HOST:PORT`);
    await first.stop();
  });
});
