/** Defaults and limits of `npm start`, in one place. */

/** Viewer processes started without `--viewers`. */
export const DEFAULT_VIEWERS = 3;
/** Each viewer is a Node process of 60–100 MB; more than this is a job for `npm run swarm`. */
export const MAX_VIEWERS = 50;

/** The stream the local swarm publishes and watches. */
export const STREAM_NAME = 'demo';
/** The bundled test stream, relative to the repository root. */
export const DEFAULT_SOURCE = 'tools/fixtures/test-stream.mpegts';
/**
 * The publisher's upload cap: twice the stream's rate, so with three viewers at least a
 * third of what they play has to come from each other — the point of the demo.
 */
export const DEFAULT_PUBLISHER_LIMIT = '2x';

/** Central listens where the programs look for it by default, so other terminals can join. */
export const CENTRAL_HOST = '127.0.0.1';
export const CENTRAL_PORT = 2045;
export const PUBLISHER_HOST = '127.0.0.2';
/** Central's watch page (`--http`) and WebSocket endpoint (`--ws`) listen on this address unless `--bind` says otherwise: this machine only. */
export const DEFAULT_BIND = '127.0.0.1';
/** Central's `--http` port: the watch page at `/watch/NAME`. */
export const WATCH_PORT = 8045;
/** Central's `--ws` port: the watch pages reach central, and through it the swarm, here. */
export const WS_PORT = 2044;
/** Where the first viewer serves the stream and the player page. */
export const HTTP_HOST = '127.0.0.1';
export const HTTP_PORT = 8080;
/** Ports tried upwards from a taken default before the system is asked for any free one. */
export const PORT_TRIES = 20;

/** How long a program may take to print its ready line (tsx compiling on two busy cores). */
export const READY_TIMEOUT_MS = 60_000;
/** Pause between starting two viewers, so that many do not all start compiling at once. */
export const VIEWER_START_INTERVAL_MS = 300;
/** After SIGINT, how long a program may take to leave cleanly before it gets SIGKILL. */
export const STOP_GRACE_MS = 10_000;

/** The live table is redrawn this often on a terminal… */
export const TTY_REFRESH_MS = 1_000;
/** …and printed as plain lines this often otherwise (a log, a pipe, a test). */
export const PLAIN_REFRESH_MS = 5_000;
/** Bytes read from the end of a stats file to find its newest line (one line is about 400). */
export const STATS_TAIL_BYTES = 8 * 1024;
/** Bytes of a source file scanned for MPEG-TS clock references to learn its rate. */
export const RATE_SCAN_BYTES = 8 * 1024 * 1024;
