import { spawnSync } from 'node:child_process';

/** What `ffprobe` says of a URL or file: its container and its streams. */
export interface Probe {
  readonly streams: ReadonlyArray<{ readonly codec_name: string; readonly codec_type: string }>;
  readonly format: { readonly duration?: string; readonly format_name: string };
}

/**
 * Runs the real ffprobe (Debian's ffmpeg package; `npm run setup` installs it) on
 * `url`, as a user's tools would read it. Throws with ffprobe's own words when it
 * prints any error, so a test sees why a player would fail.
 */
export function ffprobe(url: string, timeoutMs = 60_000): Probe {
  const run = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type:format=duration,format_name', '-of', 'json', url], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (run.error) throw new Error(`ffprobe ${url} could not run: ${run.error.message}`, { cause: run.error });
  if (run.status !== 0 || run.stderr !== '') throw new Error(`ffprobe ${url} exited ${run.status}: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as Probe;
}

/** The streams of a probe as `type:codec`, sorted: `['audio:aac', 'video:h264']`. */
export function probedStreams(probe: Probe): string[] {
  return probe.streams.map((stream) => `${stream.codec_type}:${stream.codec_name}`).sort();
}
