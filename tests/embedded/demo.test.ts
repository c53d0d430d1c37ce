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
import { demoFlows } from '../../scripts/demo/flows.js';

const CONTRACTS = resolve('contracts');

function clearedFor(c: 'juvenile' | 'gbv'): Set<string> {
  const dir = join(CONTRACTS, 'institutions');
  const ids = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; clearances: string[] });
  return new Set(ids.filter((i) => i.clearances.includes(c)).map((i) => i.id));
}

/** the type of every grant of every agreement an institution sends under: the demo must show each of them (the hub's own are below) */
function grantedTypes(): Set<string> {
  const dir = join(CONTRACTS, 'agreements');
  const types = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) =>
      (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { grants: Array<{ types: string[]; senders: string[] }> }).grants.filter((g) => !g.senders.includes('ps.wasla.hub')).flatMap((g) => g.types),
    );
  return new Set(types);
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

  it('shows deadlines met and missed: the fine paid in time is met, the rest fire deadline.missed, delivered to those named (issue 25)', () => {
    const states = Object.values(result.deadlineStates);
    expect(states).toContain('met');
    expect(states).toContain('missed');
    expect(result.hubMessages.length).toBeGreaterThan(0);
    for (const m of result.hubMessages) {
      expect(m.type).toBe('deadline.missed');
      for (const d of m.deliveries) expect(d, `${m.id} to ${d.recipient}`).toMatchObject({ state: 'delivered', arrived: true });
    }
    expect(text).toContain('compressed clock');
  });

  it('shows every flow of the federation: a message of every type an agreement grants, each accepted', () => {
    const flows = demoFlows(CONTRACTS);
    expect(result.messages).toHaveLength(flows.filter((f) => f.kind === 'message').length);
    expect(new Set(result.messages.map((m) => m.flow.type))).toEqual(grantedTypes());
  });

  it('delivers every expected message to every expected recipient, once, with the ids the hub gave', () => {
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
    // nobody else got anything (but the hub's deadline alerts, below), and no delivery arrived twice
    const expected = [
      ...result.messages.flatMap((m) => m.deliveries.map((d) => `${d.recipient} ${d.deliveryId}`)),
      ...result.hubMessages.flatMap((m) => m.deliveries.map((d) => `${d.recipient} ${d.deliveryId}`)),
    ].sort();
    expect(result.arrivals.map((a) => `${a.institution} ${a.deliveryId}`).sort()).toEqual(expected);
  });

  it('translates the warrant: sent as 3.0, the judicial police get major 1 with every offence; identified in part, major 3', () => {
    const m = message('warrant.issued', 'ps.hjc.court.ramallah');
    expect(m.flow.version).toBe('3.0');
    const d = delivery('warrant.issued', 'ps.hjc.court.ramallah', 'ps.police.judicial');
    expect(d.major).toBe(1);
    expect(d.arrival!.version).toMatch(/^1\.\d+$/);
    expect(d.arrival!.dataschema).toMatch(/\/warrant\.issued\/1\.\d+\.schema\.json$/);
    expect(d.arrival!.fields).toContain('offence');
    expect(d.arrival!.fields).not.toContain('offences');
    expect([d.arrival!.data.offence, ...(d.arrival!.data.additionalOffences as unknown[])]).toEqual(m.flow.data.offences);
    const partial = delivery('warrant.issued', 'ps.hjc.magistrate-court.ramallah', 'ps.police.judicial');
    expect(partial.major).toBe(3);
    expect(partial.arrival!.version).toBe('3.0');
    expect((partial.arrival!.data.subject as Record<string, unknown>).nationalId).toBeUndefined();
  });

  it('projects: the ministry of finance gets only the fields its agreement lists', () => {
    const decision = delivery('decision.issued', 'ps.hjc.magistrate-court.ramallah', 'ps.mof').arrival!;
    expect(decision.fields.sort()).toEqual(['appeal', 'caseNumber', 'court', 'decidedOn', 'decisionNumber', 'final', 'parties', 'penalties', 'sentence']);
    expect(decision.data.court).toEqual({ id: 'ps.hjc.magistrate-court.ramallah' });
    for (const hidden of ['judges', 'operativePart', 'kind', 'juvenile', 'enforcement']) expect(decision.data).not.toHaveProperty(hidden);

    const centre = delivery('decision.issued', 'ps.hjc.appeal-court.ramallah', 'ps.police.crc.jneid').arrival!;
    for (const hidden of ['judges', 'operativePart', 'appeal', 'prosecutionCaseNumber']) expect(centre.data).not.toHaveProperty(hidden);
    expect(centre.fields).toContain('penalties');

    const fine = delivery('traffic-fine.issued', 'ps.police.traffic', 'ps.mof').arrival!;
    expect(fine.fields.sort()).toEqual(['amount', 'driver', 'dueBy', 'fineNumber', 'issuedBy', 'offence', 'vehicle']);
    expect(Object.keys(fine.data.offence as object)).toEqual(['code']);
    expect(Object.keys(fine.data.vehicle as object)).toEqual(['plate']);
    expect(Object.keys(fine.data.driver as object)).toEqual(['nationalId']);
    for (const hidden of ['place', 'occurredAt', 'evidence', 'speed']) expect(fine.data).not.toHaveProperty(hidden);

    const family = delivery('alimony.payment-record', 'ps.bank.palestine', 'ps.sjd.family-court.ramallah').arrival!;
    expect(family.fields.sort()).toEqual(['amount', 'bookedOn', 'orderNumber', 'status', 'valueDate']);
  });

  for (const c of ['juvenile', 'gbv'] as const) {
    it(`keeps ${c} messages to institutions cleared for ${c} cases`, () => {
      const cleared = clearedFor(c);
      const classified = result.messages.filter((m) => m.flow.classification === c);
      expect(classified.length).toBeGreaterThan(0);
      for (const m of classified) {
        expect(m.classification).toBe(c);
        expect(m.leaks).toEqual([]);
        expect(m.deliveries.length).toBeGreaterThan(0);
        for (const d of m.deliveries) expect(cleared.has(d.recipient), d.recipient).toBe(true);
      }
      // across the whole run, at the receivers themselves
      const arrivals = result.arrivals.filter((a) => a.envelope?.classification === c);
      // the hub's deadline alerts inherit the class of what they are about: they count apart, and go to the cleared too
      expect(arrivals.filter((a) => a.envelope?.source !== 'ps.wasla.hub').length).toBe(classified.reduce((n, m) => n + m.deliveries.length, 0));
      for (const a of arrivals) expect(cleared.has(a.institution), a.institution).toBe(true);
    });
  }

  it('tells the child protection counsellor of every detention of a child, and keeps adult alerts from the juvenile side', () => {
    const childDetention = result.messages.filter((m) => m.flow.type === 'detention.ordered' && m.flow.classification === 'juvenile');
    expect(childDetention).toHaveLength(1);
    expect(childDetention[0].deliveries.map((d) => d.recipient)).toContain('ps.mosd.child-protection');
    expect(childDetention[0].deliveries.map((d) => d.recipient)).not.toContain('ps.police.crc.jneid');
    // the adult alert of the same type went to the adult courts only
    const adult = result.messages.filter((m) => m.flow.type === 'detention.alert' && !m.flow.classification)[0];
    expect(adult.deliveries.map((d) => d.recipient).sort()).toEqual(['ps.hjc.court.nablus', 'ps.hjc.court.ramallah']);
  });

  it("refuses, as problem+json: no agreement (403), a failure without its reason (403), an invalid payload and a name its recipients' major cannot carry (422, with pointers)", () => {
    expect(result.refusals.map((r) => [r.status, r.code])).toEqual([
      [403, 'no-agreement'],
      [403, 'no-recipient'],
      [422, 'schema-violation'],
      [422, 'not-translatable'],
    ]);
    for (const r of result.refusals) expect(r.contentType).toContain('application/problem+json');
    expect(result.refusals[2].errors.map((e) => e.pointer)).toContain('/data/subject/nationalId');
    expect(result.refusals[3].errors.map((e) => e.pointer)).toEqual(['/data/subject/name/ar']);
    expect(text).toContain('/data/subject/nationalId');
  });

  it('prints plain text for a non-terminal and cleans up after itself', () => {
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toContain(result.url);
    expect(text).toMatch(new RegExp(`deliveries made\\s+${result.deliveriesExpected} of ${result.deliveriesExpected} expected`));
    expect(result.deliveriesExpected).toBe(result.messages.reduce((n, m) => n + m.flow.expect.length, 0));
    expect(existsSync(result.dataDir)).toBe(false);
  });
});
