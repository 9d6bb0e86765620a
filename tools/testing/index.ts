/**
 * Helpers for tests that start real processes (used by apps/central,
 * packages/tracker-client and the peer app's end-to-end tests).
 *
 *   startProgram(entry, args, { env, readyLine, timeoutMs, stdin: 'pipe', launcher, cwd })
 *     runs `node --conditions=@p2pstream/source --import tsx <entry> ...args` from the
 *     repository root (`launcher: []` runs `entry`, e.g. an installed bin, as it is; `cwd`
 *     another directory), resolves once a stdout line matches `readyLine`, keeps its
 *     stdout/stderr (`stdout()`, `waitForLine(re)`, `nextLine(re)` for lines still to
 *     come), takes input with `write()`/`endInput()`, and `stop()`s it with SIGINT then
 *     SIGKILL after a bounded wait (`kill()` for a crash). `stopAllPrograms()` in an
 *     afterAll stops any left over.
 *   freePort(host?)            a port the OS just gave out on that host.
 *   readmeAndExample(root, 'examples/x.ts'), consoleLogOf(() => import(...))
 *     a README's quoted example and what it prints when run.
 *   integerBetween(random, min, max)
 *     an integer from a replayable PRNG (`seededRandom(seed)` lives in @p2pstream/units).
 *   new PushSource()            a byte source fed by hand (push, end, fail), as a socket or stdin;
 *     `returned` says whether its reader let go of it.
 *   pipedInto(command, '(sleep 6; cat)')
 *     the command line of `command | reader` (a shell snippet), exiting with the command's status.
 *   ffprobe(url), probedStreams(probe)
 *     what the real ffprobe reads at a URL or file (container, streams, duration); throws
 *     with ffprobe's own error lines.
 *   holdSilentSockets({ host, port, from, perAddress, durationMs })
 *     the idle-socket attack: silent TCP connections from loopback addresses, re-opened
 *     whenever the server cuts one, for a bounded time; `stop()` it in a finally.
 *   startRedisServer({ port? }) a throwaway redis-server on 127.0.0.1 (nothing saved);
 *     `stop()` it in afterAll; start it again on the same port to simulate a restart.
 *   startRedisCluster({ masters? }) a throwaway Redis Cluster (3 masters by default) on
 *     127.0.0.1, `url` as `redis+cluster://…`; `stop()` it in afterAll.
 *
 *   onCleanup(close)           in tools/testing/cleanup.js (not here: it registers a vitest
 *     afterEach when loaded): runs `close` after the test, newest first.
 *
 * Import with a relative path, e.g. `../../../tools/testing/index.js`, and add
 * a reference to `../../tools/testing` in the test tsconfig.
 */
export { startProgram, stopAllPrograms, REPO_ROOT, type RunningProgram, type ProgramExit, type StartProgramOptions } from './processes.js';
export { ChildWatch } from './child-watch.js';
export { ffprobe, probedStreams, type Probe } from './ffprobe.js';
export { freePort } from './ports.js';
export { pipedInto } from './piped-into.js';
export { PushSource } from './push-source.js';
export { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from './readme-example.js';
export { integerBetween } from './random.js';
export { startRedisServer, hasRedisServer, type RedisServer, type RedisServerOptions } from './redis.js';
export { startRedisCluster, hasRedisCluster, type RedisCluster, type RedisClusterOptions } from './redis-cluster.js';
export { holdSilentSockets, type SilentSockets, type SilentSocketsOptions } from './silent-sockets.js';
