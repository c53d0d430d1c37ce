/**
 * xml-http's outbound refusals (issue 22): what its mapping cannot write is never sent — a type
 * and major without a mapping, or a message that would not have the declared structure — and is a
 * non-retryable `adapter-cannot-encode`, so the delivery ends dead at once with why; the delivery
 * worker reads it so (failureOutcome).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapterFor, type OutboundMessage } from '../../../src/adapters/index.js';
import { WaslaError } from '../../../src/errors.js';
import { loadContracts } from '../../../src/routing/index.js';
import { failureOutcome } from '../../../src/workers/delivery.js';
import { CONTRACTS } from '../../helpers/contracts.js';

const contracts = loadContracts(CONTRACTS);
const xml = adapterFor('xml-http')!;
const ctx = { mappings: contracts.mappings };
const police = contracts.institution('ps.police.judicial')!;
const message = (): OutboundMessage => JSON.parse(readFileSync('tests/fixtures/adapters/xml-http/warrant-1.message.json', 'utf8'));

function refusal(fn: () => unknown): WaslaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WaslaError);
    return e as WaslaError;
  }
  throw new Error('expected a refusal');
}

describe('xml-http encode', () => {
  it('says which types and majors it can encode: those with a mapping', () => {
    expect(xml.cannotEncode('warrant.issued', 1, ctx)).toBeUndefined();
    expect(xml.cannotEncode('warrant.issued', 3, ctx)).toBeUndefined();
    expect(xml.cannotEncode('warrant.issued', 2, ctx)).toBe('xml-http has no mapping for warrant.issued major 2 (contracts/mappings/warrant.issued/2.json)');
    expect(adapterFor('json-http')!.cannotEncode('warrant.issued', 2, ctx)).toBeUndefined();
  });

  it('refuses a major without a mapping, not retryable: the delivery ends dead at once', () => {
    const m = message();
    m.envelope.dataschema = 'https://wasla.dev/contracts/messages/warrant.issued/2.1.schema.json';
    const e = refusal(() => xml.encode(m, police, ctx));
    expect([e.code, e.retryable]).toEqual(['adapter-cannot-encode', false]);
    expect(failureOutcome(e)).toEqual({ kind: 'dead', reason: 'adapter-cannot-encode: xml-http has no mapping for warrant.issued major 2 (contracts/mappings/warrant.issued/2.json)' });
  });

  it('refuses a message its mapping cannot write, naming the field, before a byte is produced', () => {
    const m = message();
    delete (m.envelope.data as Record<string, unknown>).warrantNumber;
    const e = refusal(() => xml.encode(m, police, ctx));
    expect([e.code, e.retryable]).toEqual(['adapter-cannot-encode', false]);
    expect(e.message).toMatch(/^mappings\/warrant\.issued\/1\.json cannot write this message at \/data\/warrantNumber: mapping-value-invalid/);
    const amount = message();
    (amount.envelope.data as any).bail = { value: 1500.5, currency: 'ILS' };
    const e2 = refusal(() => xml.encode(amount, police, ctx));
    expect(e2.code).toBe('adapter-cannot-encode');
    expect(e2.message).toMatch(/at \/data\/bail\/value: mapping-value-invalid/);
  });

  it('writes only the envelope attributes the recipient may see', () => {
    const m = message();
    delete (m.envelope as Partial<typeof m.envelope>).casereference;
    const body = xml.encode(m, police, ctx).body.toString('utf8');
    expect(body).not.toContain('ext:CaseReference');
    expect(body).toContain(`<ext:MessageIdentification>${m.envelope.id}</ext:MessageIdentification>`);
  });
});
