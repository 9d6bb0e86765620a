import { connect, ConnectionServer } from '@p2pstream/connection';
import { createMemoryPair } from '@p2pstream/connection/testing';
import { ManualClock } from '@p2pstream/units';

// Time moves only when we say so; no socket is opened.
const clock = new ManualClock();

// A server with no TCP listener: it takes the transports handed to accept(), under its usual limits.
const server = new ConnectionServer({
  role: 'central',
  clock,
  limits: { idleTimeout: 60_000 },
  handlers: { list: (request, connection) => connection.reply(request, { t: 'streams', streams: [] }) },
});

// Two joined ends: the first is the peer at 127.0.0.7, the second the server at 127.0.0.1:2045.
const [peerEnd, serverEnd] = createMemoryPair({
  first: { address: '127.0.0.7', port: 50_000 },
  second: { address: '127.0.0.1', port: 2045 },
});
server.accept(serverEnd);
const connection = await connect(peerEnd, { role: 'peer', clock });
console.log(`connected to a ${connection.remoteRole} at ${connection.remoteAddress}:${connection.remotePort}`);

const { streams } = await connection.request({ t: 'list' });
console.log(`${streams.length} streams on air`);

// A minute of silence on the fake clock, and the server's idle deadline closes the connection.
clock.advance(60_000);
const reason = await connection.closed;
console.log(`closed by the ${reason.byRemote ? 'server' : 'peer'}: ${reason.code}`);
await server.close();
