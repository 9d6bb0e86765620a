/**
 * The baseline of `npm run bench:vod`: a file moved over plain Node TCP, nothing else. Plain
 * JavaScript, so it runs on bare `node` with no compiler loaded, as a built program does.
 *   raw-tcp.mjs serve FILE HOST   listens on a free port of HOST, sends FILE to every connection;
 *                                prints `raw-tcp serving on PORT`
 *   raw-tcp.mjs fetch HOST PORT OUT   connects, prints `raw-tcp connected`, writes what arrives
 *                                to OUT and exits 0 once the sender closed
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';
import { pipeline } from 'node:stream/promises';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'serve') {
  const [file, host] = args;
  const server = createServer((socket) => {
    pipeline(createReadStream(file), socket).catch(() => socket.destroy());
  });
  server.listen(0, host, () => {
    const address = server.address();
    if (typeof address === 'object' && address) console.log(`raw-tcp serving on ${address.port}`);
  });
  process.on('SIGINT', () => server.close(() => process.exit(0)));
} else if (mode === 'fetch') {
  const [host, port, out] = args;
  const socket = connect(Number(port), host, () => console.log('raw-tcp connected'));
  await pipeline(socket, createWriteStream(out));
} else {
  console.error('usage: raw-tcp.mjs serve FILE HOST | fetch HOST PORT OUT');
  process.exit(2);
}
