import { describe, expect, it } from 'vitest';
import { DELIVERY_ERROR_CODES, OPERATOR_ERROR_CODES, REQUEST_ERROR_CODES, UnavailableError, WaslaError } from '../../../src/errors.js';
import { PROBLEMS, problemOf, problemOfError } from '../../../src/api/problems.js';

describe('the registry of problems', () => {
  it('maps every request and operator code once, and no delivery-time code', () => {
    expect(Object.keys(PROBLEMS).sort()).toEqual([...REQUEST_ERROR_CODES, ...OPERATOR_ERROR_CODES].sort());
    for (const c of DELIVERY_ERROR_CODES) expect(Object.hasOwn(PROBLEMS, c)).toBe(false);
    expect(new Set([...REQUEST_ERROR_CODES, ...OPERATOR_ERROR_CODES, ...DELIVERY_ERROR_CODES]).size).toBe(REQUEST_ERROR_CODES.length + OPERATOR_ERROR_CODES.length + DELIVERY_ERROR_CODES.length);
  });

  it('answers every retryable refusal with 503 (and so with Retry-After)', () => {
    for (const [code, spec] of Object.entries(PROBLEMS)) {
      if (['unavailable', 'resource-exhausted', 'delivery-backlog', 'not-ready'].includes(code)) expect(spec.status).toBe(503);
      else expect(spec.status).not.toBe(503);
    }
    expect(problemOf(new UnavailableError('down')).status).toBe(503);
  });

  it('answers a code it does not hold as an internal error that says nothing of it', () => {
    const err = new WaslaError('recipient-timeout', 'no answer from https://police.example/secret-path');
    expect(problemOf(err)).toMatchObject({ status: 500, code: 'internal', type: 'https://wasla.dev/problems/internal' });
    expect(JSON.stringify(problemOfError(err))).not.toContain('secret-path');
  });

  it('builds the RFC 9457 object: type, title, status, detail, the faults as errors, further members', () => {
    const err = new WaslaError('no-longer-entitled', 'not replayed', { faults: [{ pointer: '/x', detail: 'y' }], extra: { refused: [] } });
    expect(problemOfError(err, '/v1/deliveries/replay')).toEqual({
      type: 'https://wasla.dev/problems/no-longer-entitled',
      title: PROBLEMS['no-longer-entitled'].title,
      status: 403,
      detail: 'not replayed',
      refused: [],
      instance: '/v1/deliveries/replay',
      errors: [{ pointer: '/x', detail: 'y' }],
    });
  });
});
