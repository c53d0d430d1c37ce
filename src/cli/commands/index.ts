import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as audit } from './audit.js';
import { register as schemas } from './schemas.js';
import { register as contracts } from './contracts.js';
import { register as reload } from './reload.js';

/** Each group registers itself; order is the order in `wasla --help`. */
type Register = (program: Command) => void;
const groups: Register[] = [run, contracts, reload, schemas, audit];

export function registerCommands(program: Command): void {
  for (const register of groups) register(program);
}
