/** The real catalogue, a run-time index secret, and catalogue examples as stored messages. */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadCatalogue } from '../../../src/schemas/index.js';
import type { Classification } from '../../../src/routing/types.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const CONTRACTS = path.join(REPO, 'contracts');
export const catalogue = loadCatalogue(path.join(CONTRACTS, 'messages'));

/** Fresh secrets per test file: keys are made at run time, never committed. */
export const secret = randomBytes(32);
export const cursorSecret = randomBytes(32);

/** A catalogue example of (type, version), deep-copied and changed by `edit`; still valid. */
export function example(type: string, version: string, edit: (d: Record<string, any>) => void = () => {}, index = 0): Record<string, any> {
  const doc = catalogue.get(type, version)!;
  const data = JSON.parse(JSON.stringify((doc.examples as unknown[])[index])) as Record<string, any>;
  edit(data);
  const faults = catalogue.validate(type, version, data);
  if (faults.length > 0) throw new Error(`example of ${type}@${version} made invalid: ${JSON.stringify(faults)}`);
  return data;
}

export interface TestMessage {
  id: string;
  type: string;
  version: string;
  time: string;
  classification: Classification;
  data: unknown;
}

let seq = 0;
/** A stored message with a fresh id. */
export function message(type: string, version: string, data: unknown, classification: Classification = 'public', time = '2026-05-01T00:00:00Z'): TestMessage {
  seq++;
  return { id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`, type, version, time, classification, data };
}
