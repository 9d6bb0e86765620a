import { dial, listen, RemoteError, UploadLimiter } from '@p2pstream/connection';

// A tiny tracker: it answers `list` and nothing else.
const server = await listen({
  host: '127.0.0.1',
  port: 0, // any free port (central uses 2045)
  role: 'central',
  limits: { maxChunkBytes: 0 }, // central never receives chunks
  handlers: {
    list: (request, connection) => connection.reply(request, { t: 'streams', streams: [] }),
  },
});
server.on('connection', (connection) => {
  console.log(`a ${connection.remoteRole} connected from ${connection.remoteAddress}`);
  connection.send({ t: 'have', seq: 41 }); // a push: no reply expected
});

// A peer with its own loopback address, its uploads capped at 2 MiB/s (--upload-limit).
const uploadLimiter = new UploadLimiter({ bytesPerSecond: 2 * 1024 * 1024 });
let newest = -1;
const connection = await dial('127.0.0.1', server.address().port, {
  role: 'peer',
  localAddress: '127.0.0.7',
  uploadLimiter,
  handlers: { have: (message) => void (newest = message.seq) },
});

// Replies come in order with pushes: the `have` sent before this reply has been handled.
const { streams } = await connection.request({ t: 'list' }, { timeout: 5_000 });
console.log(`${streams.length} streams on air; central has chunk ${newest}`);

try {
  await connection.request({ t: 'lookup', name: 'cam1', count: 10 });
} catch (error) {
  if (error instanceof RemoteError) console.log(`refused: ${error.remoteCode}`);
}

connection.on('close', (reason) => console.log(`closed: ${reason.code}`));
await connection.close();
await server.close();
