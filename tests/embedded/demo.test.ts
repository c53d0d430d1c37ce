/**
 * `npm run demo` end to end, as a new user runs it (`--exit`): an embedded hub, a receiver per
 * institution, one message of each flow of the demo federation. The assertions are on what the
 * receivers actually got, not on what the demo printed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../scripts/demo.js';

const CONTRACTS = resolve('contracts');

function clearedForJuvenile(): Set<string> {
  const dir = join(CONTRACTS, 'institutions');
  const ids = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; clearances: string[] });
  return new Set(ids.filter((i) => i.clearances.includes('juvenile')).map((i) => i.id));
}

describe('npm run demo -- --exit', () => {
  let result: DemoResult;
  let text = '';

  beforeAll(async () => {
    const out = new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    result = await runDemo({ exit: true, out, logLevel: process.env.WASLA_LOG_LEVEL ?? 'silent' });
  }, 180_000);

  afterAll(async () => {
    await result?.stop();
  });

  const message = (type: string, sender: string) => {
    const m = result.messages.find((x) => x.flow.type === type && x.flow.sender === sender);
    expect(m, `${type} from ${sender}`).toBeDefined();
    return m!;
  };
  const delivery = (type: string, sender: string, recipient: string) => {
    const d = message(type, sender).deliveries.find((x) => x.recipient === recipient);
    expect(d, `${type} from ${sender} to ${recipient}`).toBeDefined();
    return d!;
  };

  it('passes every check it makes, and says so', () => {
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(text).toContain('every expected delivery arrived');
    expect(text).not.toContain('still running');
  });

  it('delivers every expected message to every expected recipient, once, with the ids the hub gave', () => {
    expect(result.messages).toHaveLength(10);
    expect(result.deliveriesMade).toBe(result.deliveriesExpected);
    for (const m of result.messages) {
      expect(m.status).toBe(202);
      expect(m.deliveries.map((d) => d.recipient).sort()).toEqual([...m.flow.expect].sort());
      for (const d of m.deliveries) {
        expect(d.state).toBe('delivered');
        expect(d.arrival?.deliveryIdSeen).toBe(d.deliveryId);
        expect(d.arrival?.messageIdSeen).toBe(m.messageId);
        expect(d.arrival?.verified).toBe(true);
      }
    }
    // nobody else got anything, and no delivery arrived twice
    const expected = result.messages.flatMap((m) => m.deliveries.map((d) => `${d.recipient} ${d.deliveryId}`)).sort();
    expect(result.arrivals.map((a) => `${a.institution} ${a.deliveryId}`).sort()).toEqual(expected);
  });

  it('translates the warrant: sent as 2.0, the judicial police get major 1', () => {
    expect(message('warrant.issued', 'ps.hjc.court.ramallah').flow.version).toBe('2.0');
    const d = delivery('warrant.issued', 'ps.hjc.court.ramallah', 'ps.police.judicial');
    expect(d.major).toBe(1);
    expect(d.arrival!.version).toMatch(/^1\.\d+$/);
    expect(d.arrival!.dataschema).toMatch(/\/warrant\.issued\/1\.\d+\.schema\.json$/);
    expect(d.arrival!.fields).toContain('offence');
    expect(d.arrival!.fields).not.toContain('offences');
  });

  it('projects: the ministry of finance gets only the fields its agreement lists', () => {
    const decision = delivery('decision.issued', 'ps.hjc.court.ramallah', 'ps.mof').arrival!;
    expect(decision.fields.sort()).toEqual(['caseNumber', 'court', 'decidedOn', 'decisionNumber', 'final', 'parties', 'sentence']);
    expect(decision.data.court).toEqual({ id: 'ps.hjc.court.ramallah' });
    for (const hidden of ['judges', 'operativePart', 'kind', 'juvenile', 'enforcement']) expect(decision.data).not.toHaveProperty(hidden);

    const fine = delivery('traffic-fine.issued', 'ps.police.judicial', 'ps.mof').arrival!;
    expect(fine.fields.sort()).toEqual(['amount', 'dueBy', 'fineNumber', 'issuedBy', 'offence', 'vehicle']);
    expect(Object.keys(fine.data.offence as object)).toEqual(['code']);
    expect(Object.keys(fine.data.vehicle as object)).toEqual(['plate']);
    for (const hidden of ['place', 'occurredAt', 'evidence']) expect(fine.data).not.toHaveProperty(hidden);

    const family = delivery('alimony.payment-record', 'ps.bank.palestine', 'ps.sjd.family-court.ramallah').arrival!;
    expect(family.fields.sort()).toEqual(['amount', 'bookedOn', 'orderNumber', 'status', 'valueDate']);
  });

  it('keeps juvenile messages to cleared institutions', () => {
    const cleared = clearedForJuvenile();
    const juvenile = result.messages.filter((m) => m.flow.juvenile);
    expect(juvenile.map((m) => `${m.flow.type} from ${m.flow.sender}`)).toEqual([
      'decision.issued from ps.hjc.juvenile-court.ramallah',
      'detention.alert from ps.ago.prosecution',
    ]);
    for (const m of juvenile) {
      expect(m.classification).toBe('juvenile');
      expect(m.leaks).toEqual([]);
      expect(m.deliveries.length).toBeGreaterThan(0);
      for (const d of m.deliveries) expect(cleared.has(d.recipient), d.recipient).toBe(true);
      expect(m.deliveries.map((d) => d.recipient)).toContain('ps.mosd.child-protection');
    }
    // across the whole run, at the receivers themselves
    const juvenileArrivals = result.arrivals.filter((a) => a.envelope?.classification === 'juvenile');
    expect(juvenileArrivals.length).toBe(4);
    for (const a of juvenileArrivals) expect(cleared.has(a.institution), a.institution).toBe(true);
    // the adult alert of the same type went to the adult courts only
    const adult = result.messages.filter((m) => m.flow.type === 'detention.alert' && !m.flow.juvenile)[0];
    expect(adult.deliveries.map((d) => d.recipient).sort()).toEqual(['ps.hjc.court.nablus', 'ps.hjc.court.ramallah']);
  });

  it('refuses a sender without an agreement (403) and an invalid payload (422 with its pointer), as problem+json', () => {
    expect(result.refusals.map((r) => [r.status, r.code])).toEqual([[403, 'no-agreement'], [422, 'schema-violation']]);
    for (const r of result.refusals) expect(r.contentType).toContain('application/problem+json');
    expect(result.refusals[1].errors.map((e) => e.pointer)).toContain('/data/subject/nationalId');
    expect(text).toContain('/data/subject/nationalId');
  });

  it('prints plain text for a non-terminal and cleans up after itself', () => {
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toContain(result.url);
    expect(text).toMatch(/deliveries made\s+18 of 18 expected/);
    expect(existsSync(result.dataDir)).toBe(false);
  });
});
