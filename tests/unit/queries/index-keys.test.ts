import { createHmac } from 'node:crypto';
/** What the case index holds for a message: indexKeys and indexRows (issue 24.1). */
import { describe, expect, it } from 'vitest';
import { indexKeys, indexRows, indexValue, keyedValue } from '../../../src/queries/index-keys.js';
import { normaliseName } from '../../../src/queries/normalise.js';
import { QueryError } from '../../../src/queries/errors.js';
import { catalogue, example, secret } from './setup.js';

describe('indexKeys', () => {
  it('reads what the schema declares, with the issuer the payload names, walking arrays', () => {
    const data = example('decision.issued', '1.1');
    const keys = indexKeys(catalogue, 'decision.issued', '1.1', data);
    const court = 'ps.hjc.appeal-court.ramallah';
    expect(keys).toContainEqual({ kind: 'case-number', value: '245/2026', issuer: court });
    expect(keys).toContainEqual({ kind: 'decision-number', value: '611/2026', issuer: court });
    expect(keys).toContainEqual({ kind: 'prosecution-case-number', value: '3310/2025' });
    // /parties/*/nationalId and /parties/*/name/{ar,latin}: every party
    expect(
      keys
        .filter((k) => k.kind === 'national-id')
        .map((k) => k.value)
        .sort(),
    ).toEqual(data.parties.map((p: any) => p.nationalId).sort());
    const names = data.parties.flatMap((p: any) => [p.name.ar, p.name.latin].filter(Boolean));
    expect(keys.filter((k) => k.kind === 'person-name')).toHaveLength(new Set(names.map(normaliseName)).size);
    expect(keys).toEqual([...keys].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)));
  });

  it('indexes a number without issuer when the payload names none, in canonical form', () => {
    const keys = indexKeys(catalogue, 'alimony.payment-record', '1.1', example('alimony.payment-record', '1.1'));
    expect(keys).toEqual([
      { kind: 'order-number', value: '87/2026' },
      { kind: 'payment-id', value: 'AF872026202602' },
    ]);
  });

  it('gives the same keys whatever the variant the sender wrote', () => {
    const a = example('traffic-fine.issued', '1.1');
    const b = example('traffic-fine.issued', '1.1', (d) => {
      d.vehicle.plate = '7 1234 95';
      d.fineNumber = 'TF-2026-0048213';
    });
    expect(indexKeys(catalogue, 'traffic-fine.issued', '1.1', b)).toEqual(indexKeys(catalogue, 'traffic-fine.issued', '1.1', a));
    expect(indexKeys(catalogue, 'traffic-fine.issued', '1.1', a).find((k) => k.kind === 'plate')).toEqual({ kind: 'plate', value: '7123495' });
  });

  it('yields nothing for an unknown version, a missing field or a non-string', () => {
    expect(indexKeys(catalogue, 'traffic-fine.issued', '9.0', example('traffic-fine.issued', '1.1'))).toEqual([]);
    expect(indexKeys(catalogue, 'traffic-fine.paid', '1.1', { fineNumber: 42, payer: { nationalId: ['x'] } })).toEqual([]);
  });

  it('covers every example of the catalogue: each gives at least one key (but the notices about a delivery)', () => {
    for (const ref of catalogue.list()) {
      if (ref.type === 'delivery.failed' || ref.type === 'delivery.recovered') continue;
      for (const data of catalogue.get(ref.type, ref.version)!.examples as unknown[]) {
        expect(indexKeys(catalogue, ref.type, ref.version, data).length, `${ref.type}@${ref.version}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('indexRows', () => {
  it('never holds a national id or a name in clear', () => {
    const data = example('alimony.order', '1.1');
    const rows = indexRows(catalogue, 'alimony.order', '1.1', data, secret);
    const text = JSON.stringify(rows);
    for (const clear of [data.payer.nationalId, data.beneficiary.nationalId, 'عماد', 'Imad', 'reem']) expect(text).not.toContain(clear);
    expect(rows).toContainEqual({ kind: 'national-id', issuer: '', value: keyedValue(secret, 'national-id', data.payer.nationalId) });
    expect(rows).toContainEqual({ kind: 'order-number', issuer: 'ps.sjd.family-court.ramallah', value: '87/2026' });
    for (const r of rows.filter((x) => x.kind === 'national-id' || x.kind === 'person-name')) expect(r.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("meets the value a query computes from a clerk's typing", () => {
    const data = example('alimony.order', '1.1');
    const rows = indexRows(catalogue, 'alimony.order', '1.1', data, secret);
    expect(rows.map((r) => r.value)).toContain(indexValue('national-id', '٤٠٤ ١١٢ ٩٨٧', secret));
    expect(rows.map((r) => r.value)).toContain(indexValue('person-name', 'REEM ADEL AL SAQQA', secret));
    expect(rows.map((r) => r.value)).toContain(indexValue('person-name', 'ريم عادل السقّا', secret));
  });

  it('keys a name and an id apart, and differently under another secret', () => {
    expect(keyedValue(secret, 'national-id', '404112987')).not.toBe(keyedValue(secret, 'person-name', '404112987'));
    expect(keyedValue(Buffer.alloc(32, 7), 'national-id', '404112987')).not.toBe(keyedValue(secret, 'national-id', '404112987'));
  });

  it('is HMAC-SHA-256 of the secret as it is now, even when the same array is reused with new bytes', () => {
    const reused = Buffer.alloc(32, 1);
    const expected = (key: Buffer) => createHmac('sha256', key).update('national-id').update('\u0000').update('404112987').digest('base64url');
    expect(keyedValue(reused, 'national-id', '404112987')).toBe(expected(Buffer.alloc(32, 1)));
    reused.fill(2);
    expect(keyedValue(reused, 'national-id', '404112987')).toBe(expected(Buffer.alloc(32, 2)));
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => indexRows(catalogue, 'alimony.order', '1.1', example('alimony.order', '1.1'), Buffer.alloc(16))).toThrow(QueryError);
    try {
      keyedValue(Buffer.alloc(31), 'national-id', '1');
    } catch (err) {
      expect((err as QueryError).code).toBe('query-secret-invalid');
      expect((err as QueryError).retryable).toBe(false);
    }
  });
});
