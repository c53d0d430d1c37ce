/** The chaos run's fault schedule, scaled from the command line (issue 20.6). */
import { describe, expect, it } from 'vitest';
import { schedule, type Fault } from '../../chaos/faults.js';

const kinds = (list: Fault[]) => list.map((f) => (f.kind === 'kill' ? `kill ${f.targets.join('+')}` : f.kind));
const count = (list: Fault[], kind: Fault['kind']) => list.filter((f) => f.kind === kind).length;

describe('chaos fault schedule', () => {
  it('keeps the default lists when no count is given, without PostgreSQL restarts when they are off', () => {
    const quick = schedule({ quick: true, pgRestart: true });
    expect([count(quick, 'kill'), count(quick, 'flush-redis'), count(quick, 'restart-pg')]).toEqual([6, 2, 1]);
    expect(count(schedule({ quick: false, pgRestart: false }), 'restart-pg')).toBe(0);
  });

  it('builds exactly the counts asked for, spread out, kills cycling through every process and pair', () => {
    const list = schedule({ quick: true, pgRestart: true, kills: 16, flushes: 4, pgRestarts: 2 });
    expect([list.length, count(list, 'kill'), count(list, 'flush-redis'), count(list, 'restart-pg')]).toEqual([22, 16, 4, 2]);
    // no two flushes or restarts back to back: each lands among the kills
    const k = kinds(list);
    for (let i = 1; i < k.length; i++) expect(k[i] === k[i - 1] && !k[i].startsWith('kill'), `faults ${i - 1} and ${i}: ${k[i]}`).toBe(false);
    expect(new Set(k.filter((x) => x.startsWith('kill')))).toEqual(
      new Set(['kill api-1', 'kill worker-1', 'kill api-2', 'kill worker-2', 'kill api-1+worker-1', 'kill api-2+worker-2', 'kill api-1+api-2', 'kill worker-1+worker-2']),
    );
    // a count not given keeps the default list's; restarts off wins over a count
    const more = schedule({ quick: true, pgRestart: false, kills: 10, pgRestarts: 3 });
    expect([count(more, 'kill'), count(more, 'flush-redis'), count(more, 'restart-pg')]).toEqual([10, 2, 0]);
  });
});
