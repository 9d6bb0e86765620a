import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { encodeFrame, encodeFrameParts, FrameDecoder, WireError } from '@p2pstream/wire';

// The receiving side: each message a frame completes, or one clear error and this one connection closed.
const server = createServer((socket) => {
  const decoder = new FrameDecoder({ maxControlBytes: 1 << 20, maxChunkBytes: 1 << 20 });
  socket.on('data', (bytes) => {
    try {
      for (const message of decoder.push(bytes)) {
        if (message.t === 'have') console.log('the peer has chunk', message.seq);
        if (message.t === 'chunk') console.log(`chunk ${message.seq}: ${message.data.length} bytes`);
      }
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      console.log('refused:', error.code);
      // Answer and close this one connection; the process goes on.
      socket.end(encodeFrame({ t: 'error', code: error.code, message: error.message }));
    }
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');

const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
await once(socket, 'connect');
const replies = new FrameDecoder();
socket.on('data', (bytes) => {
  for (const message of replies.push(bytes)) if (message.t === 'error') console.log('the other side closed with', message.code);
});
socket.write(encodeFrame({ t: 'have', seq: 41 }));
// A chunk: the payload is written as its own buffer, never copied into a new one.
const data = new Uint8Array(1000);
socket.cork();
for (const part of encodeFrameParts({ t: 'chunk', re: 7, seq: 41, ts: Date.now(), sig: new Uint8Array(64), data })) socket.write(part);
socket.uncork();
// A frame that says it is 4 GiB long: refused from its length prefix, before any of it is buffered.
socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
await once(socket, 'close');
server.close();
