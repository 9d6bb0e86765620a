// What a page takes from @p2pstream/peer-server: a server that listens on nothing and serves
// the peers handed to accept() (data channels), as a Node peer's server does. Nothing reachable
// from here imports node:net; node:events is mapped by the bundle (tools/browser-bundle).
export { PeerServer, type PeerServerEvents, type PeerServerStats, type PeerUploadStats } from './peer-server.js';
export { acceptingPeerServer } from './accepting-peer-server.js';
export type { PeerServerOptions } from './options.js';
export type { ServeOptions, ServedState } from './served-stream.js';
