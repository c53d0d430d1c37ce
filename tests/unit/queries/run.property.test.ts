/**
 * Non-interference through the index (property): for a caller not cleared for juvenile or gbv
 * cases, every page of every answer — records, statuses, fields, histories, cursors — is the same
 * whether or not the hub also holds juvenile and gbv messages about the same numbers. Uncleared
 * messages never make a record exist, never link another message in, never move a page boundary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryIndex, type StoredMessage } from '../../../src/queries/index.js';
import { allPages, catalogue, decision, item, report, secret } from './helpers.js';

describe("through the index, an uncleared caller's answers ignore juvenile and gbv messages (property)", () => {
  it("a court's decision-enforcement and the Ministry of Finance's fine-sentences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 14 }), async (items) => {
        const full = new MemoryIndex(catalogue, secret);
        const cleared = new MemoryIndex(catalogue, secret);
        items.forEach((it, i) => {
          const m: StoredMessage = {
            id: `0190b000-0000-7000-8000-${String(i).padStart(12, '0')}`,
            type: it.kind === 'decision' ? 'decision.issued' : 'decision.enforcement-status',
            version: '1.1',
            time: '2026-05-01T00:00:00Z',
            classification: it.classification,
            data: it.kind === 'decision' ? decision(it.court, it.n, it.fine) : report(it.court, it.n, it.status, it.day),
          };
          full.add(m);
          if (it.classification === 'public' || it.classification === 'restricted') cleared.add(m);
        });
        expect(await allPages(full, 'ps.hjc.court.ramallah', 'decision-enforcement', {})).toEqual(await allPages(cleared, 'ps.hjc.court.ramallah', 'decision-enforcement', {}));
        for (const n of [0, 1, 2]) {
          const params = { case: `${n}/2026`, court: 'ps.hjc.court.nablus' };
          expect(await allPages(full, 'ps.mof', 'fine-sentences', params)).toEqual(await allPages(cleared, 'ps.mof', 'fine-sentences', params));
        }
      }),
      { numRuns: 60 },
    );
  });
});
