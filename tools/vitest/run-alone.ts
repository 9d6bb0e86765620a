import { configDefaults, type UserWorkspaceConfig } from 'vitest/config';

/**
 * Splits one project into two: `files` leave it and run in a project of their own, one file
 * at a time, in `groupOrder` (after group 0, which every other project is in). For swarm
 * scenarios that assert what viewers see: on two cores, other suites' processes running
 * beside ten peers starve them into pauses a user's machine would not have.
 */
export function runAlone(project: UserWorkspaceConfig, files: readonly string[], groupOrder: number): UserWorkspaceConfig[] {
  const test = project.test ?? {};
  return [
    { ...project, test: { ...test, exclude: [...(test.exclude ?? configDefaults.exclude), ...files] } },
    { ...project, test: { ...test, name: `${test.name} (alone)`, include: [...files], maxWorkers: 1, sequence: { groupOrder } } },
  ];
}
