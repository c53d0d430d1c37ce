/**
 * One test per kind of bad contract set: the base fixture federation copied to a temp dir, broken in
 * one place, and the ContractError must name the file and the JSON pointer of the fault.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../src/errors.js';
import { BASE, edit, expectFault, faultsOf, loadSet, tempSet, writeJson } from './helpers.js';
import { problemOfError } from '../../../src/api/problems.js';

const W = 'agreements/warrants.json';
const F = 'agreements/fines.json';
const D = 'agreements/detention.json';
const DEC = 'agreements/decisions.json';

describe('the base fixture', () => {
  it('loads, and loading twice gives equal, independent results', () => {
    const a = loadSet(BASE);
    const b = loadSet(BASE);
    expect(a).not.toBe(b);
    expect([...a.institutions.keys()]).toEqual([...b.institutions.keys()]);
    expect(a.grants).toEqual(b.grants);
    expect([...a.agreements.keys()]).toEqual(['decisions', 'detention', 'fines', 'warrants']);
    expect(Object.isFrozen(a.institution('t.police'))).toBe(true);
    expect(Object.isFrozen(a.grants[0].to[0].fields)).toBe(true);
  });

  it('fills defaults: retry schedule, jitter, acceptUnsignedReceipt', () => {
    const g = loadSet(BASE).grants.find((x) => x.id === 'adult-warrants')!;
    expect(g.retry).toEqual({ schedule: [5, 300, 1800, 7200, 18000, 36000, 36000], jitter: 0.2 });
    expect(g.acceptUnsignedReceipt).toBe(false);
    expect(g.to[0].conditions).toEqual([]);
  });
});

describe('envelope attributes and store and forward (issue 19, issue 20)', () => {
  it('gives a projected target no envelope attribute by default, a whole-payload one all, and an explicit list as written', () => {
    const dir = tempSet();
    edit(dir, W, (d) => void (d.grants[0].to[0].envelope = ['casereference', 'causationid']));
    const c = loadSet(dir);
    const targets = c.grants.flatMap((g) => g.to);
    expect(targets.find((t) => t.envelope?.join() === 'casereference,causationid')).toBeDefined();
    for (const t of loadSet(BASE).grants.flatMap((g) => g.to)) {
      expect(t.envelope).toEqual(t.fields.includes('*') ? ['subject', 'casereference', 'correlationid', 'causationid', 'sourceeventid'] : []);
    }
  });

  it('refuses an envelope attribute agreements cannot name, and store and forward with an empty schedule', () => {
    const dir = tempSet();
    edit(dir, F, (d) => {
      d.grants[0].to[0].envelope = ['subject', 'data'];
      d.grants[0].retry = { schedule: [], storeAndForward: true };
    });
    const faults = faultsOf(dir);
    expectFault(faults, F, '/grants/0/to/0/envelope/1', /must be one of/);
    expectFault(faults, F, '/grants/0/retry/schedule', /must NOT have fewer than 1 item/);
  });

  it('keeps store and forward on the grant', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void (d.grants[0].retry = { schedule: [1, 60], storeAndForward: true }));
    expect(loadSet(dir).grants.find((g) => g.agreement === 'fines')!.retry).toEqual({ schedule: [1, 60], jitter: 0.2, storeAndForward: true });
  });
});

describe('endpoints from the environment', () => {
  it('WASLA_ENDPOINT_<ID> overrides a delivery endpoint; others keep their default', () => {
    const c = loadSet(BASE, { WASLA_ENDPOINT_T_POLICE_JUVENILE: 'http://127.0.0.1:40001/in' });
    expect(c.institution('t.police.juvenile')!.endpoints.deliveries).toBe('http://127.0.0.1:40001/in');
    expect(c.institution('t.police')!.endpoints.deliveries).toBe('http://127.0.0.1:18193/deliveries');
  });

  it('${VAR} placeholders resolve, and an unset one is a fault naming the file', () => {
    const dir = tempSet();
    edit(dir, 'institutions/t.mof.json', (d) => void (d.endpoints.deliveries = 'http://${MOF_HOST}:${MOF_PORT:-8443}/wasla'));
    expect(loadSet(dir, { MOF_HOST: 'mof.example' }).institution('t.mof')!.endpoints.deliveries).toBe('http://mof.example:8443/wasla');
    expectFault(faultsOf(dir), 'institutions/t.mof.json', '/endpoints/deliveries', /MOF_HOST is not set.*WASLA_ENDPOINT_T_MOF/);
  });

  it('an override that is not an http(s) URL is a fault', () => {
    expectFault(faultsOf(BASE, { WASLA_ENDPOINT_T_MOF: 'mailto:x@y' }), 'institutions/t.mof.json', '/endpoints/deliveries', /http or https/);
  });
});

describe('institution files', () => {
  it('not JSON', () => {
    const dir = tempSet();
    fs.writeFileSync(path.join(dir, 'institutions/t.mof.json'), '{ "id": ');
    expectFault(faultsOf(dir), 'institutions/t.mof.json', '', /not valid JSON/);
  });

  it('does not validate against institution.schema.json', () => {
    const dir = tempSet();
    edit(dir, 'institutions/t.mof.json', (d) => {
      d.kind = 'ministry-of-magic';
      d.clearances = ['juvenile', 'secret'];
      d.colour = 'blue';
      delete d.adapter;
    });
    const faults = faultsOf(dir);
    expectFault(faults, 'institutions/t.mof.json', '/kind', /must be one of/);
    expectFault(faults, 'institutions/t.mof.json', '/clearances/1', /must be one of/);
    expectFault(faults, 'institutions/t.mof.json', '/colour', /unknown property/);
    expectFault(faults, 'institutions/t.mof.json', '', /missing required property "adapter"/);
  });

  it('file name is not the id', () => {
    const dir = tempSet();
    edit(dir, 'institutions/t.mof.json', (d) => void (d.id = 't.finance'));
    const faults = faultsOf(dir);
    expectFault(faults, 'institutions/t.mof.json', '/id', /does not match the file name/);
  });

  it('two institutions share an id', () => {
    const dir = tempSet();
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'institutions/t.mof.json'), 'utf8'));
    writeJson(path.join(dir, 'institutions/t.mof-copy.json'), doc);
    const faults = faultsOf(dir);
    expectFault(faults, 'institutions/t.mof.json', '/id', /already defined in institutions\/t.mof-copy.json/);
  });
});

describe('agreement files', () => {
  it('does not validate against agreement.schema.json', () => {
    const dir = tempSet();
    edit(dir, F, (d) => {
      d.grants[0].conditions = [
        { pointer: 'amount', op: 'like', value: 1 },
        { pointer: '/a', op: 'equals' },
        { pointer: '/b', op: 'exists', value: 1 },
      ];
      d.grants[0].to[0].major = 0;
      d.grants[0].senders = ['T.Police'];
      d.grants[0].retry = { schedule: [-1], jitter: 2 };
    });
    const faults = faultsOf(dir);
    expectFault(faults, F, '/grants/0/conditions/0/pointer', /must be a JSON pointer/);
    expectFault(faults, F, '/grants/0/conditions/0/op', /must be one of/);
    expectFault(faults, F, '/grants/0/conditions/1', /missing required property "value"/);
    expectFault(faults, F, '/grants/0/conditions/2', /exists and not-exists take no value/);
    expectFault(faults, F, '/grants/0/to/0/major', /must be >= 1/);
    expectFault(faults, F, '/grants/0/senders/0', /must match pattern/);
    expectFault(faults, F, '/grants/0/retry/schedule/0', /must be >= 0/);
    expectFault(faults, F, '/grants/0/retry/jitter', /must be <= 1/);
  });

  it('file name is not the id', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void (d.id = 'fines-2026'));
    expectFault(faultsOf(dir), F, '/id', /does not match the file name/);
  });

  it('names a message type the catalogue does not publish', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void d.grants[0].types.push('traffic-fine.forgiven'));
    expectFault(faultsOf(dir), F, '/grants/0/types/1', /"traffic-fine.forgiven" is not in the catalogue/);
  });

  it('pins a major the catalogue does not publish', () => {
    const dir = tempSet();
    edit(dir, W, (d) => void (d.grants[0].to[0].major = 3));
    expectFault(faultsOf(dir), W, '/grants/0/to/0/major', /warrant.issued has no published major 3 \(published: 1, 2\)/);
  });

  it('names a recipient that is not an institution, or a pattern that matches none', () => {
    const dir = tempSet();
    edit(dir, F, (d) => {
      d.grants[0].to[0].recipient = 't.courts.*';
      d.grants[0].to[1].recipient = 't.ministry-of-finance';
    });
    const faults = faultsOf(dir);
    expectFault(faults, F, '/grants/0/to/0/recipient', /pattern "t.courts.\*" matches no institution/);
    expectFault(faults, F, '/grants/0/to/1/recipient', /"t.ministry-of-finance" is not an institution/);
  });

  it('names a sender (without wildcard) that is not an institution', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void (d.grants[0].senders = ['t.traffic-police']));
    expectFault(faultsOf(dir), F, '/grants/0/senders/0', /sender "t.traffic-police" is not an institution/);
  });

  it('names a party that is not an institution', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void d.parties.push('t.nobody'));
    expectFault(faultsOf(dir), F, '/parties/4', /party "t.nobody" is not an institution/);
  });

  it('projects a field that cannot exist in the pinned major', () => {
    const dir = tempSet();
    // /offence is 1.x only; /subject/fullName likewise; police pins 1 so they hold there, but not in 2
    edit(dir, W, (d) => {
      d.grants[0].to[0].fields.push('/subject/eyeColour', '/offences');
      d.grants[1].to[1].fields.push('/offence/code', '/offences/0/code');
    });
    const faults = faultsOf(dir);
    expectFault(faults, W, '/grants/0/to/0/fields/4', /"\/subject\/eyeColour" cannot exist in warrant.issued@1.1/);
    expectFault(faults, W, '/grants/0/to/0/fields/5', /"\/offences" cannot exist in warrant.issued@1.1/);
    expectFault(faults, W, '/grants/1/to/1/fields/3', /"\/offence\/code" cannot exist in warrant.issued@2.0/);
    expectFault(faults, W, '/grants/1/to/1/fields/4', /address array elements with \*/);
  });

  it('follows $ref, items and minors when checking fields', () => {
    const dir = tempSet();
    edit(dir, W, (d) => {
      d.grants[0].to[0].fields.push('/specialInstructions'); // added in 1.1, the latest minor of major 1
      d.grants[0].to[1].fields = ['/offences/*/description', '/executingAuthority']; // via $ref in 2.0
    });
    expect(() => loadSet(dir)).not.toThrow();
  });

  it('tests a condition pointer that cannot exist in any version of the type', () => {
    const dir = tempSet();
    edit(dir, F, (d) => {
      d.grants[0].conditions = [{ pointer: '/amount/amount', op: 'gt', value: 5 }];
      d.grants[0].to[1].conditions[0].pointer = '/fine/value';
    });
    const faults = faultsOf(dir);
    expectFault(faults, F, '/grants/0/conditions/0/pointer', /condition pointer "\/amount\/amount" cannot exist in any published version of traffic-fine.issued/);
    expectFault(faults, F, '/grants/0/to/1/conditions/0/pointer', /"\/fine\/value" cannot exist/);
  });

  it('takes recipients from a pointer that cannot exist', () => {
    const dir = tempSet();
    edit(dir, W, (d) => void (d.grants[0].recipientFrom = '/executingAgency'));
    expectFault(faultsOf(dir), W, '/grants/0/recipientFrom', /recipientFrom pointer "\/executingAgency" cannot exist/);
  });

  it('sends a grant classified juvenile to an uncleared recipient', () => {
    const dir = tempSet();
    edit(dir, W, (d) => void d.grants[1].to.push({ recipient: 't.police', major: 2, fields: ['/warrantNumber'] }));
    expectFault(faultsOf(dir), W, '/grants/1/to/2/recipient', /t.police not cleared for juvenile, but grant "juvenile-warrants" is classified juvenile/);
  });

  it('sends a type classified gbv to an uncleared recipient', () => {
    const dir = tempSet();
    edit(dir, D, (d) => void d.grants[2].to.push({ recipient: 't.court.*', major: 1, fields: ['/caseNumber'] }));
    expectFault(faultsOf(dir), D, '/grants/2/to/2/recipient', /t.court.a, t.court.b not cleared for gbv, but gbv.report is classified gbv/);
  });

  it('reaches an uncleared recipient with conditions that cannot exclude juvenile subjects', () => {
    const dir = tempSet();
    edit(dir, W, (d) => void (d.grants[0].conditions = []));
    edit(dir, D, (d) => void (d.grants[0].conditions = [{ pointer: '/detainee/juvenile', op: 'equals', value: true }]));
    edit(dir, DEC, (d) => void d.grants[0].conditions.pop());
    const faults = faultsOf(dir);
    expectFault(
      faults,
      W,
      '/grants/0/to/0',
      /t.police not cleared for juvenile, and warrant.issued can carry \/subject\/juvenile: add the condition \{"pointer":"\/subject\/juvenile","op":"equals","value":false\}/,
    );
    expectFault(faults, D, '/grants/0/to/0', /t.court.a, t.court.b not cleared for juvenile, and detention.alert can carry \/detainee\/juvenile/);
    expectFault(faults, DEC, '/grants/0/to/0', /can carry \/parties\/\*\/role: add the condition \{"pointer":"\/parties\/\*\/role","op":"not-equals","value":"juvenile"\}/);
    // the cleared recipient of the same grant is fine
    expect(faults.some((f) => f.file === W && f.pointer === '/grants/0/to/1')).toBe(false);
  });

  it('accepts every form of exclusion, at grant or recipient level', () => {
    const dir = tempSet();
    edit(dir, W, (d) => {
      d.grants[0].conditions = [];
      d.grants[0].to[0].conditions = [{ pointer: '/subject/juvenile', op: 'not-equals', value: true }];
    });
    edit(dir, D, (d) => void (d.grants[0].conditions = [{ pointer: '/detainee/juvenile', op: 'in', value: [false] }]));
    expect(() => loadSet(dir)).not.toThrow();
  });

  it('has an empty validity window', () => {
    const dir = tempSet();
    edit(dir, F, (d) => {
      d.validFrom = '2026-06-01';
      d.validUntil = '2026-05-31T23:00:00Z';
    });
    expectFault(faultsOf(dir), F, '/validUntil', /before validFrom/);
  });

  it('has malformed dates', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void (d.validFrom = '1 June 2026'));
    expectFault(faultsOf(dir), F, '/validFrom', /must match format "date", or must match format "date-time"/);
  });

  it('uses a grant id twice, or one recipient twice in a grant', () => {
    const dir = tempSet();
    edit(dir, D, (d) => {
      d.grants[1].id = 'adult';
      d.grants[0].to.push({ recipient: 't.court.*', major: 1, fields: ['/caseNumber'] });
    });
    const faults = faultsOf(dir);
    expectFault(faults, D, '/grants/1/id', /grant id "adult" is used twice/);
    expectFault(faults, D, '/grants/0/to/1/recipient', /listed twice/);
  });

  it('a missing folder is a fault, not a crash', () => {
    const dir = tempSet();
    fs.rmSync(path.join(dir, 'agreements'), { recursive: true });
    expectFault(faultsOf(dir), 'agreements', '', /does not exist/);
  });
});

describe('the ContractError', () => {
  it('lists every fault from every file, and its message names the first', () => {
    const dir = tempSet();
    edit(dir, F, (d) => void d.grants[0].types.push('x.unknown'));
    edit(dir, W, (d) => void (d.grants[0].to[0].major = 9));
    try {
      loadSet(dir);
      expect.unreachable();
    } catch (err) {
      const e = err as ContractError;
      expect(e).toBeInstanceOf(ContractError);
      expect(e.faults.length).toBe(2);
      expect(e.file).toBe(F);
      expect(e.message).toMatch(/2 faults in agreements\/fines.json, agreements\/warrants.json; first: agreements\/fines.json: \/grants\/0\/types\/1/);
      expect(problemOfError(e).errors).toEqual(e.faults);
    }
  });
});
