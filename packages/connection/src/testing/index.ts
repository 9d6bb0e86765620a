/**
 * Test utilities of `@p2pstream/connection`: a clock that moves only when told
 * to, and an in-memory transport pair, so a protocol test of anything built on
 * connections needs no socket and no real time.
 */
export { FakeClock } from './fake-clock.js';
export { createMemoryPair, MemoryTransport, type Endpoint, type MemoryPairOptions } from '../memory-transport.js';
export { MemoryNetwork, type MemoryNetworkOptions, type TransportAcceptor } from '../memory-network.js';
