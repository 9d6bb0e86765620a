import { spawnSync } from 'node:child_process';
import { run } from './run.js';

/**
 * A constant-rate MPEG-TS test stream made by ffmpeg at test time, for a live stream
 * faster than the bundled fixture (~0.6 Mbit/s): a moving test picture (H.264, a keyframe
 * a second) with a tone, padded by the muxer to exactly `bitsPerSecond`, so a publisher
 * pacing it by its own timestamps (`--realtime`) sends that many bits a second.
 */
export async function makeTestStream(path: string, options: { seconds: number; bitsPerSecond: number; timeoutMs: number }): Promise<void> {
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('ffmpeg is not installed: `npm run setup` installs it (apt-get install ffmpeg)');
  }
  // Video takes 90% of the rate; audio and the muxer's headers fit in the rest, and the muxer pads to the rate.
  const video = Math.floor(options.bitsPerSecond * 0.9);
  const args = [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', String(options.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ...['-b:v', String(video), '-maxrate', String(video), '-bufsize', String(video / 2), '-g', '25', '-keyint_min', '25', '-sc_threshold', '0'],
    ...['-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', '-muxrate', String(options.bitsPerSecond), '-mpegts_flags', '+resend_headers', path],
  ];
  await run('ffmpeg', args, { cwd: process.cwd(), timeoutMs: options.timeoutMs });
}
