/** Named queries as contracts: the shipped ones load, and the checker refuses what cannot work (issue 24.2). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkQueries, loadQueries } from '../../../src/queries/load.js';
import { kindsProvided } from '../../../src/queries/check.js';
import { QueryContractError, type QueryFault } from '../../../src/queries/errors.js';
import { catalogue, CONTRACTS } from './setup.js';

const queries = loadQueries(CONTRACTS, catalogue);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const read = (name: string) => JSON.parse(fs.readFileSync(path.join(CONTRACTS, 'queries', `${name}.json`), 'utf8')) as Record<string, any>;

/** A contracts dir holding only the shipped queries, `name` changed by `edit` (written as `file`). */
function withQuery(name: string, edit: (q: Record<string, any>) => void, file = `${name}.json`): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-queries-'));
  dirs.push(dir);
  fs.cpSync(path.join(CONTRACTS, 'queries'), path.join(dir, 'queries'), { recursive: true });
  const q = read(name);
  edit(q);
  if (file !== `${name}.json`) fs.rmSync(path.join(dir, 'queries', `${name}.json`));
  fs.writeFileSync(path.join(dir, 'queries', file), JSON.stringify(q, null, 2));
  return dir;
}

const lines = (faults: QueryFault[]) => faults.map((f) => `${f.file}: ${f.pointer}: ${f.detail}`);

describe('the shipped queries', () => {
  it('load, each checked against the catalogue', () => {
    expect([...queries.queries.keys()]).toEqual(['alimony-payments', 'decision-enforcement', 'detention-status', 'fine-sentences', 'payout-status', 'traffic-fines', 'warrant-status']);
    expect(checkQueries(CONTRACTS, catalogue)).toEqual([]);
  });

  it('look records up only by kinds the types they read declare', () => {
    for (const q of queries.queries.values()) {
      const kinds = kindsProvided(catalogue, q);
      for (const p of q.parameters) if (p.index) expect(kinds.has(p.index), `${q.name}/${p.name}`).toBe(true);
      expect(kinds.has(q.record.key), q.name).toBe(true);
    }
  });

  it("validate a request's parameters, each fault at its name", () => {
    const q = queries.get('fine-sentences')!;
    expect(queries.parameterFaults(q, { case: '245/2026', court: 'ps.hjc.appeal-court.ramallah' })).toEqual([]);
    expect(queries.parameterFaults(q, { case: '٢٤٥/٢٠٢٦', court: 'ps.hjc.appeal-court.ramallah' })).toEqual([]);
    expect(queries.parameterFaults(q, { case: 'x', plate: '1', court: ['a', 'b'] })).toEqual([
      { pointer: '/plate', detail: 'unknown parameter; fine-sentences takes case, court' },
      { pointer: '/case', detail: 'does not have the form ^[0-9\u0660-\u0669]{1,7} ?/ ?[0-9\u0660-\u0669]{4}$' },
      { pointer: '/court', detail: 'given more than once' },
    ]);
    expect(queries.parameterFaults(q, {})).toEqual([
      { pointer: '/case', detail: 'required parameter is missing' },
      { pointer: '/court', detail: 'required parameter is missing' },
    ]);
  });
});

describe('the checker refuses, as <file>: <pointer>: <reason>', () => {
  const cases: Array<[string, string, (q: Record<string, any>) => void, string]> = [
    [
      'an unknown message type',
      'traffic-fines',
      (q) => {
        q.reads[2].type = 'traffic-fine.settled';
      },
      'queries/traffic-fines.json: /reads/2/type: message type "traffic-fine.settled" is not in the catalogue',
    ],
    [
      'a major nobody publishes',
      'warrant-status',
      (q) => {
        q.reads[0].major = 4;
      },
      'queries/warrant-status.json: /reads/0/major: warrant.issued has no published major 4 (published: 1, 2, 3)',
    ],
    [
      'a field that does not exist in its type',
      'traffic-fines',
      (q) => {
        q.fields[1].from[0].pointer = '/issuer';
      },
      'queries/traffic-fines.json: /fields/1/from/0/pointer: "/issuer" does not exist in traffic-fine.issued@1.1 (array elements are addressed with *)',
    ],
    [
      'a field of a type the query does not read',
      'traffic-fines',
      (q) => {
        q.fields[0].from[0].type = 'warrant.issued';
      },
      'queries/traffic-fines.json: /fields/0/from/0/type: warrant.issued is not among the types this query reads',
    ],
    [
      'a parameter kind no annotated field provides',
      'traffic-fines',
      (q) => {
        q.parameters[0].index = 'warrant-number';
      },
      'queries/traffic-fines.json: /parameters/0/index: looks records up by "warrant-number", but no type this query reads declares a warrant-number key in its index (x-wasla-index)',
    ],
    [
      'a record kind no annotated field provides',
      'payout-status',
      (q) => {
        q.record.key = 'plate';
      },
      'queries/payout-status.json: /record/key: answers one record per key of kind "plate", but no type this query reads declares a plate key in its index (x-wasla-index)',
    ],
    [
      'a state it does not declare',
      'traffic-fines',
      (q) => {
        q.status.rules[2].state = 'settled';
      },
      'queries/traffic-fines.json: /status/rules/2/state: state "settled" is not declared in /status/states',
    ],
    [
      'a state it can never derive',
      'traffic-fines',
      (q) => {
        q.status.deadlines = [];
      },
      'queries/traffic-fines.json: /status/states/1: state "overdue" is never derived by a rule or a deadline',
    ],
    [
      'a business time that is not a date',
      'traffic-fines',
      (q) => {
        q.status.rules[0].at = ['/fineNumber'];
      },
      'queries/traffic-fines.json: /status/rules/0/at/0: "/fineNumber" of traffic-fine.issued is not a date or date-time, so it cannot order messages',
    ],
    [
      'a condition on a value the field never takes',
      'warrant-status',
      (q) => {
        q.status.rules[1].when[0].value = 'arrested';
      },
      'queries/warrant-status.json: /status/rules/1/when/0/value: "arrested" is not a value of /outcome in warrant.executed (one of "executed", "not-found", "failed")',
    ],
    [
      'a partial amount that is not an amount',
      'payout-status',
      (q) => {
        q.status.rules[3].partial.amount = '/bankReference';
      },
      'queries/payout-status.json: /status/rules/3/partial/amount: "/bankReference" of alimony.payment-record is not an amount { value, currency }',
    ],
    [
      'a period parameter that does not take a month',
      'alimony-payments',
      (q) => {
        q.parameters[2].schema.pattern = '^[0-9]{4}$';
      },
      'queries/alimony-payments.json: /status/period/parameter: "month" must take a month: give its schema the pattern ^[0-9]{4}-(0[1-9]|1[0-2])$',
    ],
    [
      'an unbounded query',
      'payout-status',
      (q) => {
        delete q.parameters[0].index;
      },
      'queries/payout-status.json: /parameters: an unbounded query: give it a parameter with an index kind, or scope its records to the caller ("record": { "issuer": "caller" })',
    ],
    [
      'an issuer parameter that is not one',
      'fine-sentences',
      (q) => {
        q.parameters[0].issuer = { parameter: 'judge' };
      },
      'queries/fine-sentences.json: /parameters/0/issuer/parameter: no parameter "judge"',
    ],
    [
      'a parameter named like pagination',
      'payout-status',
      (q) => {
        q.parameters[0].name = 'cursor';
      },
      'queries/payout-status.json: /parameters/0/name: "cursor" is reserved for pagination',
    ],
    [
      'what its JSON Schema refuses',
      'payout-status',
      (q) => {
        q.record.sort = 'asc';
      },
      'queries/payout-status.json: /record/sort: unknown property "sort"',
    ],
    [
      'an unbounded parameter',
      'payout-status',
      (q) => {
        delete q.parameters[0].schema.maxLength;
      },
      'queries/payout-status.json: /parameters/0/schema: missing required property "maxLength"',
    ],
  ];
  for (const [what, name, edit, expected] of cases) {
    it(what, () => {
      expect(lines(checkQueries(withQuery(name, edit), catalogue))).toContain(expected);
    });
  }

  it('a name that is not its file name, or is a built-in', () => {
    expect(
      lines(
        checkQueries(
          withQuery('payout-status', () => {}, 'payouts.json'),
          catalogue,
        ),
      ),
    ).toEqual(['queries/payouts.json: /name: name "payout-status" does not match the file name (expected payout-status.json)']);
    expect(
      lines(
        checkQueries(
          withQuery(
            'payout-status',
            (q) => {
              q.name = 'message-status';
            },
            'message-status.json',
          ),
          catalogue,
        ),
      ),
    ).toEqual(['queries/message-status.json: /name: "message-status" is a built-in query of the hub; choose another name']);
  });

  it('and loading throws every fault at once, with a stable code and no retry', () => {
    const dir = withQuery('traffic-fines', (q) => {
      q.reads[2].type = 'traffic-fine.settled';
      q.fields[1].from[0].pointer = '/issuer';
    });
    try {
      loadQueries(dir, catalogue);
      expect.unreachable('the load must fail');
    } catch (err) {
      expect(err).toBeInstanceOf(QueryContractError);
      const e = err as QueryContractError;
      expect(e.code).toBe('query-contract-invalid');
      expect(e.retryable).toBe(false);
      expect(e.faults.map((f) => f.pointer)).toEqual(expect.arrayContaining(['/reads/2/type', '/fields/1/from/0/pointer']));
    }
  });

  it('a file that is not JSON; a federation without a queries folder has none', () => {
    const dir = withQuery('payout-status', () => {});
    fs.writeFileSync(path.join(dir, 'queries', 'broken.json'), '{ "name": ');
    expect(lines(checkQueries(dir, catalogue))[0]).toMatch(/^queries\/broken\.json: : not valid JSON: /);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-queries-'));
    dirs.push(empty);
    expect([...loadQueries(empty, catalogue).queries.keys()]).toEqual([]);
  });
});
