import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as audit } from './audit.js';
import { register as schemas } from './schemas.js';
import { register as contracts } from './contracts.js';
import { register as reload } from './reload.js';
import { register as payloadKeys } from './payload-keys.js';
import { register as trust } from './trust.js';
import { register as messages } from './messages.js';
import { register as inbox } from './inbox.js';
import { register as reconciliation } from './reconciliation.js';
import { register as query } from './query.js';
import { register as deadlines } from './deadlines.js';
import { register as retention } from './retention.js';

/** Each group registers itself; order is the order in `wasla --help`. */
type Register = (program: Command) => void;
const groups: Register[] = [run, messages, inbox, reconciliation, query, deadlines, contracts, reload, payloadKeys, schemas, trust, audit, retention];

export function registerCommands(program: Command): void {
  for (const register of groups) register(program);
}
