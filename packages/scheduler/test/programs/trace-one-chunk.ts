// Chunk 3 of a live stream is held only by a peer that never answers: asked, timed out,
// asked again after its rest, timed out again, and skipped. Run with
// NODE_DEBUG=p2pstream:scheduler to see the trace on stderr.
import { answersAfter, neverAnswers, Swarm } from '../sim.js';

const swarm = new Swarm({ live: true, initialTimeoutMs: 1_000, backoffFloorMs: 1_000, backoffCeilingMs: 1_000 });
swarm.addPeer('good', [0, 1, 2, 4, 5], answersAfter(50));
swarm.addPeer('silent', [3], neverAnswers);
swarm.scheduler.setPlayhead(0);
swarm.scheduler.start();
await swarm.run(4_000);
swarm.scheduler.close();
console.log(JSON.stringify(swarm.events('missed').map(({ seq, cause, peers }) => ({ seq, cause, peers }))));
