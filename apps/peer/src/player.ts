import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from './usage-error.js';

/** The players `watch` can start (`--mpv`, `--vlc`, `--ffplay`). */
export const PLAYERS = ['mpv', 'vlc', 'ffplay'] as const;
export type PlayerName = (typeof PLAYERS)[number];

/** Extra arguments for the player, split on spaces, before the stream's URL (e.g. `--vo=null --ao=null --frames=50` for a headless run). */
export const PLAYER_ARGS_ENV = 'P2PSTREAM_PLAYER_ARGS';

interface PlayerCommand {
  readonly command: string;
  /** Arguments before the URL: the player exits when the stream ends. */
  readonly args: readonly string[];
  readonly install: string;
}

const COMMANDS: Record<PlayerName, PlayerCommand> = {
  mpv: { command: 'mpv', args: [], install: 'apt-get install mpv' },
  vlc: { command: 'vlc', args: ['--play-and-exit'], install: 'apt-get install vlc' },
  ffplay: { command: 'ffplay', args: ['-autoexit'], install: 'apt-get install ffmpeg' },
};

/** The player's executable on PATH; a UserError saying how to get it when it is not there. */
export function findPlayer(name: PlayerName, path = process.env['PATH'] ?? ''): string {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, COMMANDS[name].command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  throw new UserError(`${name} not found: install it (${COMMANDS[name].install}) or use --out - | your-player`);
}

/**
 * Starts the player on `url`, on this terminal (so its keys work). `exited`
 * resolves with its exit code (1 when a signal ended it).
 */
export function startPlayer(executable: string, name: PlayerName, url: string): { child: ChildProcess; exited: Promise<number> } {
  const extra = (process.env[PLAYER_ARGS_ENV] ?? '').split(' ').filter((arg) => arg.length > 0);
  const child = spawn(executable, [...COMMANDS[name].args, ...extra, url], { stdio: 'inherit' });
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
  return { child, exited };
}
