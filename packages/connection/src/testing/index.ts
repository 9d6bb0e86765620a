/**
 * Test utilities of `@p2pstream/connection`: an in-memory transport pair and
 * network, so a protocol test of anything built on connections needs no socket.
 * Run them on `ManualClock` from `@p2pstream/units` to need no real time either.
 */
export { createMemoryPair, MemoryTransport, type Endpoint, type MemoryPairOptions } from '../memory-transport.js';
export { MemoryNetwork, type MemoryNetworkOptions, type TransportAcceptor } from '../memory-network.js';
