// Chunk 9 of a live stream is held only by a peer that failed to answer chunk 4 in time: it is
// now expected too late for chunk 9's deadline, so nobody is asked and chunk 9 is skipped as
// held-back. Run with NODE_DEBUG=p2pstream:scheduler to see why on stderr.
import { answersAfter, Swarm } from '../sim.js';

const swarm = new Swarm({ live: true, startupDelayMs: 1_000 });
swarm.addPeer('fast', [0, 1, 2, 3, 5, 6, 7, 8, 10], answersAfter(50));
swarm.addPeer('slow', [4], answersAfter(4_000));
swarm.scheduler.setPlayhead(0);
swarm.scheduler.start();
swarm.clock.setTimeout(() => swarm.announce('slow', 9), 3_500);
await swarm.run(6_000);
swarm.scheduler.close();
console.log(JSON.stringify(swarm.events('missed').map(({ seq, cause, peers }) => ({ seq, cause, peers }))));
