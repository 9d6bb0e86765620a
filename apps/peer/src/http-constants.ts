/** Paths and defaults of the peer's `--http` server, in one place. */

/** The raw stream, for VLC, mpv and the page's player. */
export const STREAM_PATH = '/stream.ts';
/** Server-Sent Events: one swarm report a second. */
export const EVENTS_PATH = '/events';
/** The latest swarm report as JSON. */
export const STATS_PATH = '/stats.json';

/** Players of `/stream.ts` served at once; more get 503. */
export const DEFAULT_MAX_PLAYERS = 64;
/** Live: a player this many bytes behind is disconnected (it stopped reading). */
export const DEFAULT_MAX_PLAYER_BUFFER_BYTES = 8 * 1024 * 1024;
/** Pages following `/events` at once; more get 503. */
export const DEFAULT_MAX_EVENT_CLIENTS = 16;
/** A page this many bytes of events behind is disconnected (its tab is frozen or gone). */
export const DEFAULT_MAX_EVENT_BUFFER_BYTES = 256 * 1024;
/** What an event stream tells the browser to wait before reconnecting. */
export const EVENT_RETRY_MS = 2_000;
/** On close, connections still open after this long are cut. */
export const CLOSE_GRACE_MS = 2_000;

/** HLS: the playlist, for Safari, hls.js, smart TVs and `ffmpeg -i`. */
export const HLS_PLAYLIST_PATH = '/live.m3u8';
/** HLS segments are `/hls/N.ts`. */
export const HLS_SEGMENT_PREFIX = '/hls/';
/** Live: segments a playlist lists (and all that are kept). */
export const DEFAULT_HLS_SEGMENTS = 6;
/** A segment ends at the first keyframe at least this long after its start. */
export const DEFAULT_HLS_SEGMENT_MS = 2_000;
/** A playlist asked for before the first segment waits this long for it, then 503. */
export const HLS_WAIT_MS = 15_000;
