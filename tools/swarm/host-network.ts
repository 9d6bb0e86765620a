import { execFileSync } from 'node:child_process';
import { runPrefix } from './shaped-network.js';

/**
 * What a namespaced run must leave behind unchanged, for its tests to compare
 * before and after: the machine's own links, and this process's namespaces.
 */

/** The names of the links in the machine's own network namespace, sorted. */
export function hostLinks(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => (line.trim() ? [line.split(':')[1]!.trim()] : []))
    .sort();
}

/** The namespaces of this process's runs that still exist. */
export function leftoverNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith(runPrefix()));
}
