import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unescapePointerToken } from '../../../src/json/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const CATALOGUE_DIR = path.join(REPO, 'contracts/messages');
export const FIXTURES_DIR = path.join(REPO, 'tests/fixtures/messages');

export const TYPES = [
  'warrant.issued',
  'warrant.executed',
  'warrant.cancelled',
  'decision.issued',
  'decision.enforcement-status',
  'traffic-fine.issued',
  'traffic-fine.paid',
  'traffic-fine.contested',
  'alimony.order',
  'alimony.payout-instruction',
  'alimony.payment-record',
  'notification.served',
  'detention.alert',
  // issue 27: the flows the region runs
  'notification.requested',
  'case.referred',
  'case.referral-acknowledged',
  'detention.ordered',
  'alimony.imprisonment-ordered',
  'alimony.payment-notice',
  'social-inquiry.report',
  'alternative-measure.ordered',
  'alternative-measure.report',
  'protection-order.issued',
  // issue 25: the hub's deadline messages
  'deadline.approaching',
  'deadline.missed',
  'delivery.failed',
  'delivery.recovered',
];

/** Every published version of every type, as the catalogue should list them. */
export const VERSIONS: Record<string, string[]> = {
  'warrant.issued': ['1.0', '1.1', '1.2', '2.0', '2.1', '3.0'],
  'warrant.executed': ['1.0', '1.1'],
  'warrant.cancelled': ['1.0', '1.1'],
  'decision.issued': ['1.0', '1.1'],
  'decision.enforcement-status': ['1.0', '1.1'],
  'traffic-fine.issued': ['1.0', '1.1'],
  'traffic-fine.contested': ['1.0', '1.1'],
  'alimony.order': ['1.0', '1.1'],
  'alimony.payout-instruction': ['1.0', '1.1'],
  'alimony.payment-record': ['1.0', '1.1', '1.2'],
  'traffic-fine.paid': ['1.0', '1.1'],
  'notification.served': ['1.0', '1.1'],
  'detention.alert': ['1.0', '1.1'],
};

/** RFC 6901: the value at `pointer`, or { found: false }. */
export function resolvePointer(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: doc };
  if (!pointer.startsWith('/')) return { found: false };
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = unescapePointerToken(raw);
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= cur.length) return { found: false };
      cur = cur[Number(token)];
    } else if (typeof cur === 'object' && cur !== null && Object.hasOwn(cur, token)) {
      cur = (cur as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** Split a pointer into its parent pointer and last token (unescaped). */
export function parentOf(pointer: string): { parent: string; token: string } {
  const i = pointer.lastIndexOf('/');
  return { parent: pointer.slice(0, i), token: unescape(pointer.slice(i + 1)) };
}

/** A copy of the real catalogue in a fresh temp dir, to break in a test. */
export function copyCatalogue(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-catalogue-'));
  fs.cpSync(CATALOGUE_DIR, dir, { recursive: true });
  return dir;
}

export function readJson(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}
