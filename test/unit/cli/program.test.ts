import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import {
  buildProgram,
  buildProgramFor,
  COMMAND_GROUPS,
  commandWord,
} from '../../../src/cli/program.js';

const names = (program: Command): string[] => program.commands.map((c) => c.name());

describe('the command tree, loaded by command file', () => {
  test('each file registers exactly the names its row lists', async () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command();
      (await group.load())(program);
      expect(names(program)).toEqual(group.names);
    }
  });

  test('no two files claim one name', () => {
    const all = COMMAND_GROUPS.flatMap((g) => g.names);
    expect(new Set(all).size).toBe(all.length);
  });

  test('the whole tree holds every file, in help order', async () => {
    expect(names(await buildProgram())).toEqual(COMMAND_GROUPS.flatMap((g) => g.names));
  });

  test('a run of one command loads only its file', async () => {
    const argv = (...args: string[]): string[] => ['node', 'mlo', ...args];
    expect(names(await buildProgramFor(argv('status', '--json')))).toEqual([
      'add',
      'status',
      'checkout',
      'gc',
      'fsck',
    ]);
    expect(names(await buildProgramFor(argv('-C', 'sub', 'runs', 'list')))).toEqual([
      'exec',
      'log',
      'runs',
    ]);
    expect(names(await buildProgramFor(argv('--version')))).toEqual([]);
    // help and a mistyped name need every command: help lists them, the error suggests one
    const all = COMMAND_GROUPS.flatMap((g) => g.names);
    expect(names(await buildProgramFor(argv('--help')))).toEqual(all);
    expect(names(await buildProgramFor(argv('statsu')))).toEqual(all);
    expect(names(await buildProgramFor(argv()))).toEqual(all);
  });

  test('the command word comes after the global -C option and its value', () => {
    expect(commandWord(['status'])).toBe('status');
    expect(commandWord(['-C', 'status', 'add', 'x'])).toBe('add');
    expect(commandWord(['--directory', 'd', 'pull'])).toBe('pull');
    expect(commandWord(['--directory=d', 'pull'])).toBe('pull');
    expect(commandWord(['-Cd', 'pull'])).toBe('pull');
    expect(commandWord(['--help', 'status'])).toBeUndefined();
    expect(commandWord([])).toBeUndefined();
  });
});
