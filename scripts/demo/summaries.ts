/** One readable line per payload, so the demo says what was sent without dumping the JSON. */

type Data = Record<string, any>;

function name(n: any): string {
  if (!n) return '?';
  if (typeof n === 'string') return n;
  return n.latin ?? n.en ?? n.ar ?? '?';
}

function amount(a: any): string {
  return a ? `${a.value} ${a.currency}` : '?';
}

const SUMMARIES: Record<string, (d: Data) => string> = {
  'warrant.issued': (d) => {
    const offences = Array.isArray(d.offences) ? d.offences.length : d.offence ? 1 : 0;
    const who = d.subject?.name ?? d.subject?.fullNameLatin ?? d.subject?.fullName;
    return `${d.kind} warrant ${d.warrantNumber} for ${name(who)}, case ${d.caseNumber}, ${offences} offence${offences === 1 ? '' : 's'}, executing authority ${d.executingAuthority}`;
  },
  'warrant.executed': (d) => `warrant ${d.warrantNumber} ${d.outcome} at ${d.when} in ${d.where?.locality} by ${d.by?.unit}, ${d.documents?.length ?? 0} document(s)`,
  'decision.issued': (d) => {
    const s = d.sentence;
    const sentence = !s ? 'no sentence' : s.kind === 'fine' ? `fine ${amount(s.fine)}` : s.durationDays ? `${s.kind} ${s.durationDays} days` : s.kind;
    return `${d.kind} ${d.decisionNumber} in case ${d.caseNumber} of ${d.court?.id}: ${sentence}, ${d.final ? 'final' : 'not final'}${d.juvenile ? ', about a child' : ''}`;
  },
  'traffic-fine.issued': (d) => `fine ${d.fineNumber}: ${d.offence?.description}, ${amount(d.amount)}, plate ${d.vehicle?.plate}, in ${d.place?.locality}`,
  'alimony.order': (d) => `order ${d.orderNumber}: ${name(d.payer?.name)} pays ${name(d.beneficiary?.name)} (${d.beneficiary?.relationship}) ${amount(d.amount)} ${d.schedule?.frequency}`,
  'alimony.payout-instruction': (d) => `instruction ${d.instructionId}: pay ${amount(d.amount)} to ${name(d.beneficiary?.name)} on ${d.requestedExecutionDate}, end-to-end ${d.endToEndId}`,
  'alimony.payment-record': (d) => `${d.status} ${amount(d.amount)} on ${d.bookedOn} for end-to-end ${d.endToEndId}, bank reference ${d.bankReference}`,
  'detention.alert': (d) => `${d.alertKind}: ${name(d.detainee?.name)}${d.detainee?.juvenile ? ' (a child)' : ''}, ${d.daysInDetention} of ${d.legalLimitDays} days at ${name(d.facility?.name)}`,
};

export function summarize(type: string, data: unknown): string {
  const d = (data ?? {}) as Data;
  const f = SUMMARIES[type];
  if (f) {
    try {
      return f(d);
    } catch {
      // fall through to the generic summary
    }
  }
  return Object.keys(d).slice(0, 6).join(', ');
}
