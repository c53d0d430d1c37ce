/** Pagination cursors: opaque, tamper-evident, bound to the request they continue (issue 24.3). */
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, QueryError, type CursorBinding } from '../../../src/queries/index.js';
import { cursorSecret } from './helpers.js';

const binding: CursorBinding = { query: 'traffic-fines', caller: 'ps.mot', params: { plate: '7-1234-95', limit: '20' } };
const position = { issuer: '', value: 'TF20260048213' };
const now = new Date('2026-06-01T09:00:00Z');

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).code).toBe('cursor-invalid');
    expect((err as QueryError).status).toBe(400);
    return (err as QueryError).message;
  }
  throw new Error('the cursor was accepted');
}

describe('cursors', () => {
  it('give back the position they were made with, whatever the page size asked next', () => {
    const c = encodeCursor(cursorSecret, position, binding, now);
    expect(c).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursorSecret, c, binding, { now })).toEqual(position);
    expect(decodeCursor(cursorSecret, c, { ...binding, params: { plate: '7-1234-95', limit: '50', cursor: c } }, { now })).toEqual(position);
  });

  it("refuse any change to any character of the cursor, the MAC's last one included", () => {
    const c = encodeCursor(cursorSecret, position, binding, now);
    expect(c.length).toBeLessThan(300);
    for (let i = 0; i < c.length; i++) {
      for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.') {
        if (c[i] === ch) continue;
        refusal(() => decodeCursor(cursorSecret, c.slice(0, i) + ch + c.slice(i + 1), binding, { now }));
      }
    }
  });

  it("refuse a forged position, another query, caller or parameters, and another hub's secret", () => {
    const c = encodeCursor(cursorSecret, position, binding, now);
    const [, mac] = c.split('.');
    const forged = `${Buffer.from(JSON.stringify({ i: '', v: 'ZZ', t: 1 })).toString('base64url')}.${mac}`;
    expect(refusal(() => decodeCursor(cursorSecret, forged, binding, { now }))).toMatch(/altered/);
    refusal(() => decodeCursor(cursorSecret, c, { ...binding, query: 'fine-sentences' }, { now }));
    refusal(() => decodeCursor(cursorSecret, c, { ...binding, caller: 'ps.mof' }, { now }));
    refusal(() => decodeCursor(cursorSecret, c, { ...binding, params: { plate: '7-1234-96' } }, { now }));
    refusal(() => decodeCursor(Buffer.alloc(32, 1), c, binding, { now }));
  });

  it('refuse an expired cursor, garbage and an oversized one before decoding it', () => {
    const c = encodeCursor(cursorSecret, position, binding, now);
    expect(refusal(() => decodeCursor(cursorSecret, c, binding, { now: new Date(now.getTime() + 3601_000), maxAgeSeconds: 3600 }))).toMatch(/expired/);
    refusal(() => decodeCursor(cursorSecret, 'not a cursor', binding));
    refusal(() => decodeCursor(cursorSecret, `${'A'.repeat(2000)}.B`, binding));
    refusal(() => decodeCursor(cursorSecret, '', binding));
  });

  it('refuse to be made or read with a short secret', () => {
    expect(() => encodeCursor(Buffer.alloc(8), position, binding)).toThrow(/at least 32 bytes/);
  });
});
