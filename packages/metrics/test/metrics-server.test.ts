import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpListenError, METRICS_PATH, startMetricsServer, type MetricsServer, type MetricsSource } from '../src/index.js';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** A source that counts its scrapes, or fails with `failure`. */
function source(failure?: string): MetricsSource & { scrapes: number } {
  return {
    contentType: PROMETHEUS_TEXT,
    scrapes: 0,
    async metrics() {
      this.scrapes += 1;
      if (failure) throw new Error(failure);
      return `# TYPE demo_scrapes_total counter\ndemo_scrapes_total ${this.scrapes}\n`;
    },
  };
}

/** A port something else listens on, and how to let it go. */
async function takenPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  return { port: (blocker.address() as AddressInfo).port, release: () => new Promise((resolve) => blocker.close(() => resolve())) };
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(metrics: MetricsSource, host = '127.0.0.1'): Promise<MetricsServer> {
  const server = await startMetricsServer({ host, port: 0, source: metrics });
  servers.push(server);
  return server;
}

describe('the metrics server', () => {
  it('serves the source’s text at /metrics with its content type, read afresh at each scrape', async () => {
    const server = await start(source());
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}${METRICS_PATH}`);
    const first = await fetch(server.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(await first.text()).toContain('demo_scrapes_total 1');
    expect(await (await fetch(server.url)).text()).toContain('demo_scrapes_total 2');
  });

  it('answers HEAD with the headers and no body', async () => {
    const server = await start(source());
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(await head.text()).toBe('');
  });

  it('answers 404 saying where the metrics are for any other path, and 405 with Allow for any other method', async () => {
    const server = await start(source());
    const base = `http://127.0.0.1:${server.address.port}`;
    const other = await fetch(`${base}/`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('not found: the metrics are at /metrics\n');
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 with the reason when the source cannot collect, and keeps serving', async () => {
    const failing = source('registry unavailable');
    const server = await start(failing);
    const response = await fetch(server.url);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('cannot collect the metrics: registry unavailable\n');
    expect((await fetch(server.url)).status).toBe(500);
    expect(failing.scrapes).toBe(2);
  });

  it('shows a wildcard address as 127.0.0.1 in its url', async () => {
    const server = await start(source(), '0.0.0.0');
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/metrics`);
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('refuses a port in use with ADDRESS_IN_USE, naming --metrics or the flag it is given', async () => {
    const { port, release } = await takenPort();
    try {
      const failure = await startMetricsServer({ host: '127.0.0.1', port, source: source() }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(HttpListenError);
      expect(failure).toMatchObject({
        code: 'ADDRESS_IN_USE',
        message: `--metrics 127.0.0.1:${port} is already in use — choose another port with --metrics HOST:PORT`,
      });
      expect(((failure as HttpListenError).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      const named = await startMetricsServer({ host: '127.0.0.1', port, source: source(), flag: '--prometheus' }).catch((error: unknown) => error);
      expect((named as HttpListenError).message).toBe(`--prometheus 127.0.0.1:${port} is already in use — choose another port with --prometheus HOST:PORT`);
    } finally {
      await release();
    }
  });

  it('refuses an address it cannot listen on with LISTEN_FAILED', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine.
    const failure = await startMetricsServer({ host: '192.0.2.1', port: 0, source: source() }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'LISTEN_FAILED' });
    expect((failure as Error).message).toMatch(/^--metrics 192\.0\.2\.1:0: cannot listen \(/);
  });

  it('closes with a scraper’s keep-alive connection still open', async () => {
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, source: source() });
    await (await fetch(server.url, { keepalive: true })).text();
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
