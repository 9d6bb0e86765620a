import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startPeer, type PeerProcess, type PeerProcessOptions } from '../swarm/peer-process.js';
import { CENTRAL_READY } from '../swarm/swarm.js';
import { freePort, startProgram, type RunningProgram } from '../testing/index.js';
import { cleanEnv } from './run.js';

/**
 * The apps' bins as installed from their tarballs in the scratch project, run the way
 * `npx p2pstream-peer …` runs them there: the file in node_modules/.bin, from the
 * project's directory, on plain node (nothing from the workspace: no tsx, no source
 * condition), on 127.0.0.1 and ports the OS just gave out.
 */

export const PEER_BIN = 'p2pstream-peer';
export const CENTRAL_BIN = 'p2pstream-central';
const HOST = '127.0.0.1';

export function binPath(project: string, bin: string): string {
  return join(project, 'node_modules', '.bin', bin);
}

export interface InstalledCentral {
  program: RunningProgram;
  /** `127.0.0.1:PORT`, for `--central`. */
  address: string;
}

export async function startInstalledCentral(project: string, timeoutMs: number): Promise<InstalledCentral> {
  const port = await freePort(HOST);
  const program = await startProgram(binPath(project, CENTRAL_BIN), ['--host', HOST, '--port', String(port)], {
    launcher: [],
    cwd: project,
    readyLine: CENTRAL_READY,
    timeoutMs,
  });
  return { program, address: `${HOST}:${port}` };
}

/**
 * Starts `p2pstream-peer <args> --central … --host 127.0.0.1 --port <free>` from the
 * project; `wrap` puts the command inside another (e.g. `pipedInto(…)`, a pipe to a reader).
 */
export async function startInstalledPeer(
  project: string,
  central: InstalledCentral,
  args: readonly string[],
  options: PeerProcessOptions & { wrap?: (command: string[]) => string[] } = {},
): Promise<PeerProcess> {
  const { wrap = (command) => command, ...peerOptions } = options;
  const flags = ['--central', central.address, '--host', HOST, '--port', String(await freePort(HOST))];
  return startPeer([...args, ...flags], { ...peerOptions, command: wrap([binPath(project, PEER_BIN)]), cwd: project });
}

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an installed bin that ends by itself (`--help`, a usage error) and returns its exit code and output. */
export function runInstalledBin(project: string, bin: string, args: readonly string[], timeoutMs: number): Promise<BinRun> {
  return new Promise((resolve) => {
    execFile(binPath(project, bin), args, { cwd: project, env: cleanEnv(), timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
