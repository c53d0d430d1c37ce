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
    const offences = Array.isArray(d.offences) ? d.offences.length : d.offence ? 1 + (d.additionalOffences?.length ?? 0) : 0;
    const who = d.subject?.name ?? d.subject?.fullNameLatin ?? d.subject?.fullName;
    return `${d.kind} warrant ${d.warrantNumber} for ${name(who)}, case ${d.caseNumber}, ${offences} offence${offences === 1 ? '' : 's'}, executing authority ${d.executingAuthority}`;
  },
  'warrant.executed': (d) => `warrant ${d.warrantNumber} ${d.outcome} at ${d.when} in ${d.where?.locality} by ${d.by?.unit}, ${d.documents?.length ?? 0} document(s)`,
  'decision.issued': (d) => {
    const s = d.sentence;
    const penalties = Array.isArray(d.penalties)
      ? d.penalties.map((p: any) => (p.amount ? `${p.kind} ${amount(p.amount)}` : p.term ? `${p.kind} ${p.term}` : p.kind)).join(' + ')
      : !s
        ? 'no sentence'
        : s.kind === 'fine'
          ? `fine ${amount(s.fine)}`
          : s.durationDays
            ? `${s.kind} ${s.durationDays} days`
            : s.kind;
    const appeal = d.appeal ? `, appeal by ${d.appeal.deadline}` : '';
    return `${d.kind} ${d.decisionNumber} in case ${d.caseNumber} of ${d.court?.id}: ${penalties}, ${d.final ? 'final' : 'not final'}${appeal}${d.juvenile ? ', about a child' : ''}`;
  },
  'decision.enforcement-status': (d) =>
    `decision ${d.decision?.decisionNumber} of ${d.decision?.court}: ${d.status}${d.delay ? ` (${d.delay.reason?.code}), new date ${d.delay.newDate}` : ''}, reported by ${d.reportedBy}`,
  'case.referred': (d) =>
    `file ${d.prosecutionCaseNumber} to ${d.court?.id}: ${d.charges?.length ?? 0} charge(s), ${d.parties?.length ?? 0} part${d.parties?.length === 1 ? 'y' : 'ies'}${d.juvenile ? ', a child' : ''}`,
  'case.referral-acknowledged': (d) =>
    `${d.status} file ${d.prosecutionCaseNumber}${d.courtCaseNumber ? ` as case ${d.courtCaseNumber}` : ''} at ${d.court?.id}${d.firstHearingOn ? `, first hearing ${d.firstHearingOn}` : ''}`,
  'detention.ordered': (d) =>
    `${d.kind} order ${d.orderNumber}: ${name(d.detainee?.name)} at ${d.facility?.id}, held since ${d.detention?.startedAt}, until ${d.detention?.until}, legal limit ${d.legalLimit?.until}`,
  'warrant.cancelled': (d) => `warrant ${d.warrantNumber} cancelled on ${d.cancelledOn}: ${d.reason?.code}`,
  'notification.requested': (d) => `${d.document?.kind} ${d.requestNumber} for ${name(d.serveTo?.name)} (${d.serveTo?.role}), serve by ${d.serveBy}, via ${d.servingAuthority}`,
  'notification.served': (d) => `${d.notificationNumber}: ${d.outcome}${d.failure ? ` (${d.failure.code})` : ''} at ${d.servedAt} in ${d.where?.locality}`,
  'traffic-fine.paid': (d) => `fine ${d.fineNumber} paid ${amount(d.amount)} ${d.channel}, receipt ${d.receiptNumber}`,
  'traffic-fine.contested': (d) => `fine ${d.fineNumber} contested on ${d.contestedOn} at ${d.court?.id}${d.hearingOn ? `, hearing ${d.hearingOn}` : ''}`,
  'alimony.payment-notice': (d) => `${d.period} paid ${amount(d.amount)} on ${d.paidOn} to ${name(d.beneficiary?.name)}, collect: ${d.collect?.channel} at ${d.collect?.bank}`,
  'alimony.imprisonment-ordered': (d) => `order ${d.orderNumber}: ${name(d.debtor?.name)} up to ${d.imprisonment?.days} days unless he pays ${amount(d.imprisonment?.releaseOnPayment)}`,
  'social-inquiry.report': (d) => `report ${d.reportNumber} on ${name(d.child?.name)} for ${d.period?.from}..${d.period?.to}: recommends ${d.recommendation?.measure}; next due ${d.nextReportDue}`,
  'alternative-measure.ordered': (d) =>
    `measure ${d.measureNumber}: ${d.measure?.kind} instead of ${d.instead}, ${d.measure?.startsOn}..${d.measure?.endsOn}, supervised by ${d.supervisor}, reports every ${d.reporting?.every}`,
  'alternative-measure.report': (d) => `measure ${d.measureNumber}: ${d.compliance}, recommends ${d.recommendation}`,
  'protection-order.issued': (d) => `${d.kind} order ${d.orderNumber}: ${d.conditions?.map((c: any) => c.code).join(', ')} until ${d.validUntil}, protecting ${d.protectedPersons?.length} person(s)`,
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
