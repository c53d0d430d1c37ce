import type { Command } from 'commander';

/** Each group registers itself; order is the order in `wasla --help`. */
type Register = (program: Command) => void;
const groups: Register[] = [];

export function registerCommands(program: Command): void {
  for (const register of groups) register(program);
}
