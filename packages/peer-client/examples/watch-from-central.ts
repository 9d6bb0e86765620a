import { createHash } from 'node:crypto';
import { PeerClient } from '@p2pstream/peer-client';

// One object: it talks to central itself, re-shares through a peer server of its own,
// and closes both at the end of the block, so the program exits when the stream ends.
const [central = '127.0.0.1:2045', name = 'film'] = process.argv.slice(2);
await using viewer = new PeerClient({ name, central, listen: { host: '127.0.0.1', port: 0 } });
const hash = createHash('sha256');
let bytes = 0;
for await (const piece of viewer) {
  hash.update(piece);
  bytes += piece.length;
}
console.log(`${name}: ${bytes} bytes, sha256 ${hash.digest('hex')}`);
