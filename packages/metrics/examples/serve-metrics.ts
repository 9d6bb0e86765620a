import { startMetricsServer } from '@p2pstream/metrics';

// Anything with `contentType` and `metrics()` is a source; a prom-client Registry is one.
let scrapes = 0;
const source = {
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  async metrics() {
    scrapes += 1;
    return `# TYPE demo_scrapes_total counter\ndemo_scrapes_total ${scrapes}\n`;
  },
};

const server = await startMetricsServer({ host: '127.0.0.1', port: 0, source });
console.log(`metrics at ${server.url}`);

const scrape = await fetch(server.url);
console.log(scrape.status, (await scrape.text()).trim().split('\n').at(-1));
console.log((await fetch(new URL('/', server.url))).status, (await fetch(server.url, { method: 'POST' })).status);

await server.close();
