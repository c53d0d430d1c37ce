/**
 * Agreement validity windows. A date (`2025-01-01`) covers that whole day in UTC, so
 * `validUntil: "2026-12-31"` still holds at 23:59:59Z on that day; a date-time is an instant.
 */
import type { Agreement } from '../federation/index.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function startOf(when: string): number {
  return DATE_ONLY.test(when) ? Date.parse(when + 'T00:00:00Z') : Date.parse(when);
}

function endOf(when: string): number {
  return DATE_ONLY.test(when) ? Date.parse(when + 'T00:00:00Z') + 86_400_000 - 1 : Date.parse(when);
}

export function isActive(a: Pick<Agreement, 'validFrom' | 'validUntil'>, now: Date): boolean {
  const t = now.getTime();
  if (a.validFrom !== undefined && t < startOf(a.validFrom)) return false;
  if (a.validUntil !== undefined && t > endOf(a.validUntil)) return false;
  return true;
}

/** false when the window is empty (validUntil before validFrom) */
export function windowIsSane(a: Pick<Agreement, 'validFrom' | 'validUntil'>): boolean {
  if (a.validFrom === undefined || a.validUntil === undefined) return true;
  return startOf(a.validFrom) <= endOf(a.validUntil);
}
