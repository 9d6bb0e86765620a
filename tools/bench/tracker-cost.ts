/**
 * CPU readings for the tracker benches, taken from outside the processes measured:
 * a process's user + sys time (what `process.cpuUsage()` would say inside it) from
 * /proc, and Redis's own (`INFO cpu`, `INFO commandstats`) through redis-cli, summed
 * over the servers of a cluster. Read and write system calls per operation (/proc/<pid>/io)
 * show how well requests are batched: a process that answers one request per wake-up pays a
 * read, a write and an epoll_wait for each, a busy one spreads them over many.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** A process's CPU time so far (user + sys), in seconds; Linux only. */
export function processCpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A process's read and write system calls so far (syscr, syscw of /proc/<pid>/io); Linux only. */
export function processSyscalls(pid: number): { reads: number; writes: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { reads: Number(/^syscr: (\d+)/m.exec(text)?.[1]), writes: Number(/^syscw: (\d+)/m.exec(text)?.[1]) };
}

/** The pid of each Redis server, from its own INFO. */
export function redisPids(ports: readonly number[]): number[] {
  return ports.map((port) => Number(redisInfo(port, 'server', 'process_id')));
}

/** Redis's CPU time so far (used_cpu_user + used_cpu_sys), in seconds, summed over the servers. */
export function redisCpuSeconds(ports: readonly number[]): number {
  return ports.reduce((sum, port) => sum + Number(redisInfo(port, 'cpu', 'used_cpu_user')) + Number(redisInfo(port, 'cpu', 'used_cpu_sys')), 0);
}

/** One command's totals since the last `resetRedisStats`: calls and µs spent in it (INFO commandstats). */
export interface CommandStat {
  readonly command: string;
  readonly calls: number;
  readonly usec: number;
}

/** Commands run since the last `resetRedisStats`, summed over the servers, most time first. */
export function redisCommandStats(ports: readonly number[]): CommandStat[] {
  const totals = new Map<string, { calls: number; usec: number }>();
  for (const port of ports) {
    const text = spawnSync('redis-cli', ['-p', String(port), 'info', 'commandstats'], { encoding: 'utf8' }).stdout;
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      const total = totals.get(match[1]!) ?? { calls: 0, usec: 0 };
      total.calls += Number(match[2]);
      total.usec += Number(match[3]);
      totals.set(match[1]!, total);
    }
  }
  return [...totals].map(([command, t]) => ({ command, ...t })).sort((a, b) => b.usec - a.usec);
}

/** Zeroes INFO commandstats on every server (CONFIG RESETSTAT). */
export function resetRedisStats(ports: readonly number[]): void {
  for (const port of ports) spawnSync('redis-cli', ['-p', String(port), 'config', 'resetstat']);
}

/** One field of one INFO section of the Redis on `port`; '' when absent. */
export function redisInfo(port: number, section: string, field: string): string {
  const text = spawnSync('redis-cli', ['-p', String(port), 'info', section], { encoding: 'utf8' }).stdout;
  return new RegExp(`^${field}:(\\S+)`, 'm').exec(text)?.[1] ?? '';
}
