/**
 * Institution id patterns. Ids are dot-separated segments (`ps.hjc.court.ramallah`). In a pattern,
 * `*` stands for exactly one segment (`ps.hjc.court.*` matches `ps.hjc.court.nablus`, not
 * `ps.hjc.court`, nor `ps.hjc.court.nablus.annex`) and `**` for one or more (`ps.**` is every
 * Palestinian institution). Nothing else is special: no partial-segment globs, no regexes.
 */

export function isPattern(p: string): boolean {
  // routing asks this of every grant for every message: most ids have no star to split for
  return p.includes('*') && p.split('.').some((s) => s === '*' || s === '**');
}

export function matches(pattern: string, id: string): boolean {
  if (!isPattern(pattern)) return pattern === id;
  return matchSegments(pattern.split('.'), 0, id.split('.'), 0);
}

function matchSegments(p: string[], i: number, s: string[], j: number): boolean {
  if (i === p.length) return j === s.length;
  if (j === s.length) return false;
  const seg = p[i];
  if (seg === '**') {
    for (let k = j + 1; k <= s.length; k++) if (matchSegments(p, i + 1, s, k)) return true;
    return false;
  }
  if (seg !== '*' && seg !== s[j]) return false;
  return matchSegments(p, i + 1, s, j + 1);
}

/**
 * How specific a pattern is, for choosing between grants that reach the same recipient: an exact
 * id beats any pattern; among patterns, more literal segments beat fewer, and `*` beats `**`.
 */
export function specificity(pattern: string): number {
  if (!isPattern(pattern)) return 1_000_000;
  let score = 0;
  for (const seg of pattern.split('.')) score += seg === '**' ? 0 : seg === '*' ? 10 : 100;
  return score;
}
