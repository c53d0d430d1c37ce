/**
 * The demo's script: every flow of the demo federation, one message each, in the order a case
 * moves through the institutions — a criminal case from referral to enforcement, traffic fines, a
 * maintenance order to its payout, a child's case, a protection order — then the refusals. Each
 * message is a catalogue example (`contracts/messages/<type>/<version>.schema.json` -> `examples`),
 * which names the federation's own institutions, sent by the institution that would send it, with
 * the recipients its agreements entitle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Cleared = 'juvenile' | 'gbv';

export interface MessageFlow {
  kind: 'message';
  /** the part of the story it belongs to, printed once as a heading */
  part: string;
  title: string;
  /** what this flow shows, printed under its title */
  note?: string;
  sender: string;
  type: string;
  version: string;
  data: Record<string, any>;
  /** the recipients the demo federation's agreements entitle, sorted */
  expect: string[];
  /** recipients whose delivered dataschema must be this major (the translation) */
  expectMajor?: Record<string, number>;
  /** a flow classified juvenile or gbv: no institution without that clearance may receive it */
  classification?: Cleared;
}

export interface RefusalFlow {
  kind: 'refusal';
  part: string;
  title: string;
  note?: string;
  sender: string;
  type: string;
  version: string;
  data: Record<string, any>;
  expectStatus: number;
  /** the problem type after https://wasla.dev/problems/ */
  expectCode: string;
  /** a JSON pointer the problem's errors[] must name */
  expectPointer?: string;
}

export type Flow = MessageFlow | RefusalFlow;

export function example(contractsDir: string, type: string, version: string, index = 0): Record<string, any> {
  const file = join(contractsDir, 'messages', type, `${version}.schema.json`);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { examples?: unknown[] };
  const ex = schema.examples?.[index];
  if (!ex || typeof ex !== 'object') throw new Error(`${file}: no examples[${index}]`);
  return structuredClone(ex) as Record<string, any>;
}

const COURT = 'ps.hjc.court.ramallah';
const NABLUS_COURT = 'ps.hjc.court.nablus';
const MAGISTRATE = 'ps.hjc.magistrate-court.ramallah';
const NABLUS_MAGISTRATE = 'ps.hjc.magistrate-court.nablus';
const APPEAL = 'ps.hjc.appeal-court.ramallah';
const JUVENILE_COURT = 'ps.hjc.juvenile-court.ramallah';
const FAMILY_COURT = 'ps.sjd.family-court.ramallah';
const PROSECUTION = 'ps.ago.prosecution';
const POLICE = 'ps.police.judicial';
const TRAFFIC_POLICE = 'ps.police.traffic';
const FAMILY_PROTECTION = 'ps.police.juvenile-unit';
const JNEID = 'ps.police.crc.jneid';
const COUNSELLOR = 'ps.mosd.child-protection';
const CARE_HOME = 'ps.mosd.juvenile-care.ramallah';
const FUND = 'ps.alimony-fund';
const BANK = 'ps.bank.palestine';
const MOF = 'ps.mof';
const MOT = 'ps.mot';

export function demoFlows(contractsDir: string): Flow[] {
  const ex = (type: string, version: string, index = 0) => example(contractsDir, type, version, index);
  const msg = (part: string, f: Omit<MessageFlow, 'kind' | 'part' | 'data'> & { data?: Record<string, any>; index?: number }): MessageFlow => {
    const { index, data, ...rest } = f;
    return { kind: 'message', part, ...rest, data: data ?? ex(f.type, f.version, index ?? 0), expect: [...f.expect].sort() };
  };

  const CRIMINAL = 'A criminal case: referral, remand, warrants, service, judgment, enforcement';
  const FINES = 'Traffic fines: the traffic police and transport, the magistrate courts, finance';
  const FAMILY = 'Maintenance: the family court, the alimony fund, the bank, the beneficiary';
  const CHILD = 'A child in conflict with the law (Juvenile Protection Law 2016): classified juvenile';
  const GBV = 'Gender-based violence: classified gbv';
  const REFUSED = 'What the hub refuses';

  // a failed service without its reason: neither 1.1's failure nor 1.0's reason
  const failedBare = ex('notification.served', '1.1', 1);
  delete failedBare.failure;
  delete failedBare.reason;

  // a 2.0 warrant for a child whose name was typed in Latin letters into the Arabic-script field:
  // 2.0 never checked the script, 3.0 (which the juvenile police unit reads) does
  const latinName = ex('warrant.issued', '2.1', 1);
  latinName.issuingCourt = { id: JUVENILE_COURT, name: { ar: 'محكمة الأحداث - رام الله' } };
  latinName.subject = { ...latinName.subject, name: { ar: 'Sami Al-Jaabari' }, juvenile: true, dateOfBirth: '2009-01-30' };
  latinName.executingAuthority = FAMILY_PROTECTION;

  const invalid = ex('warrant.issued', '3.0');
  invalid.subject.nationalId = '98-710'; // a national id is 9 or 10 digits

  return [
    msg(CRIMINAL, {
      title: 'Referral: prosecution -> the competent court',
      sender: PROSECUTION,
      type: 'case.referred',
      version: '1.0',
      note: "the bill of indictment, the accused in custody, the file's fingerprints",
      expect: [COURT],
    }),
    msg(CRIMINAL, {
      title: 'Acknowledgement: court -> prosecution',
      sender: COURT,
      type: 'case.referral-acknowledged',
      version: '1.0',
      note: "links the prosecution's file 3310/2025 to the court's case 1184/2026",
      expect: [PROSECUTION],
    }),
    msg(CRIMINAL, {
      title: 'Remand extended: magistrate court -> the centre it names and the prosecution',
      sender: MAGISTRATE,
      type: 'detention.ordered',
      version: '1.0',
      note: 'detention.startedAt, detention.until and legalLimit.until are machine-readable; the centre does not see the grounds',
      expect: [JNEID, PROSECUTION],
    }),
    msg(CRIMINAL, {
      title: 'Detention alert for an adult: prosecution -> the first-instance courts',
      sender: PROSECUTION,
      type: 'detention.alert',
      version: '1.1',
      index: 1,
      expect: [COURT, NABLUS_COURT],
    }),
    msg(CRIMINAL, {
      title: 'Alternative to detention: magistrate court -> judicial police',
      sender: MAGISTRATE,
      type: 'alternative-measure.ordered',
      version: '1.0',
      note: 'reporting to the police twice a week instead of remand; the police report every month',
      expect: [POLICE],
    }),
    msg(CRIMINAL, {
      title: 'Measure report (a breach): judicial police -> the court that ordered it',
      sender: POLICE,
      type: 'alternative-measure.report',
      version: '1.0',
      expect: [MAGISTRATE],
    }),
    msg(CRIMINAL, {
      title: 'Warrant, subject fully identified: court -> judicial police',
      sender: COURT,
      type: 'warrant.issued',
      version: '3.0',
      note: "sent as 3.0; the police's case system reads 1.x, so the hub translates 3.0 -> 2.1 -> 1.2, every offence kept",
      expect: [POLICE],
      expectMajor: { [POLICE]: 1 },
    }),
    msg(CRIMINAL, {
      title: 'Warrant, subject identified only in part: magistrate court -> judicial police',
      sender: MAGISTRATE,
      type: 'warrant.issued',
      version: '3.0',
      index: 1,
      note: 'no national id or date of birth: only 3.x carries it, so the agreement sends it in major 3',
      expect: [POLICE],
      expectMajor: { [POLICE]: 3 },
    }),
    msg(CRIMINAL, {
      title: 'Execution report: judicial police -> the issuing court alone',
      sender: POLICE,
      type: 'warrant.executed',
      version: '1.1',
      note: '1.1 names the court, where the person is held and since when',
      expect: [COURT],
    }),
    msg(CRIMINAL, {
      title: 'Warrant cancelled: court -> judicial police',
      sender: COURT,
      type: 'warrant.cancelled',
      version: '1.1',
      expect: [POLICE],
    }),
    msg(CRIMINAL, {
      title: 'Request to serve a summons: magistrate court -> judicial police',
      sender: MAGISTRATE,
      type: 'notification.requested',
      version: '1.0',
      expect: [POLICE],
    }),
    msg(CRIMINAL, {
      title: 'Summons served: judicial police -> the court',
      sender: POLICE,
      type: 'notification.served',
      version: '1.1',
      expect: [MAGISTRATE],
    }),
    msg(CRIMINAL, {
      title: 'Service failed, with its reason: judicial police -> the court',
      sender: POLICE,
      type: 'notification.served',
      version: '1.1',
      index: 1,
      expect: [MAGISTRATE],
    }),
    msg(CRIMINAL, {
      title: 'Final judgment, prison and a fine: court of appeal -> the authorities it names',
      sender: APPEAL,
      type: 'decision.issued',
      version: '1.1',
      note: 'the judicial police, Jneid centre, finance and the prosecution, each projected; no other centre',
      expect: [POLICE, JNEID, MOF, PROSECUTION],
    }),
    msg(CRIMINAL, {
      title: 'Enforcement delayed, with reason and new date: judicial police -> the court',
      sender: POLICE,
      type: 'decision.enforcement-status',
      version: '1.1',
      expect: [APPEAL],
    }),
    msg(CRIMINAL, {
      title: 'Committal reported: correction and rehabilitation centre -> the court',
      sender: JNEID,
      type: 'decision.enforcement-status',
      version: '1.1',
      index: 1,
      expect: [APPEAL],
    }),

    msg(FINES, {
      title: 'Traffic fine on the road: traffic police -> Nablus magistrate court, finance, transport',
      sender: TRAFFIC_POLICE,
      type: 'traffic-fine.issued',
      version: '1.1',
      index: 1,
      note: 'the magistrate court of the place it happened; finance gets only what collection needs',
      expect: [NABLUS_MAGISTRATE, MOF, MOT],
    }),
    msg(FINES, {
      title: 'Camera fine: transport -> Ramallah magistrate court and finance',
      sender: MOT,
      type: 'traffic-fine.issued',
      version: '1.1',
      expect: [MAGISTRATE, MOF],
    }),
    msg(FINES, {
      title: 'Fine contested: magistrate court -> finance and transport',
      sender: NABLUS_MAGISTRATE,
      type: 'traffic-fine.contested',
      version: '1.1',
      expect: [MOF, MOT],
    }),
    msg(FINES, {
      title: 'Fine paid: finance -> transport and the traffic police',
      sender: MOF,
      type: 'traffic-fine.paid',
      version: '1.1',
      expect: [MOT, TRAFFIC_POLICE],
    }),
    msg(FINES, {
      title: 'Judgment with a fine, not yet final: magistrate court -> finance',
      sender: MAGISTRATE,
      type: 'decision.issued',
      version: '1.1',
      index: 1,
      note: 'with its appeal deadline; transport gets fines only once final',
      expect: [MOF],
    }),

    msg(FAMILY, { title: 'Maintenance order: family court -> alimony fund', sender: FAMILY_COURT, type: 'alimony.order', version: '1.1', expect: [FUND] }),
    msg(FAMILY, { title: 'Payout instruction: alimony fund -> bank', sender: FUND, type: 'alimony.payout-instruction', version: '1.1', expect: [BANK] }),
    msg(FAMILY, {
      title: 'Payment record: bank -> alimony fund and family court',
      sender: BANK,
      type: 'alimony.payment-record',
      version: '1.1',
      note: 'the fund gets the whole record, the family court five fields',
      expect: [FUND, FAMILY_COURT],
    }),
    msg(FAMILY, {
      title: 'Payment notice for the beneficiary: alimony fund -> family court',
      sender: FUND,
      type: 'alimony.payment-notice',
      version: '1.0',
      note: "the court's e-services text her that February was paid",
      expect: [FAMILY_COURT],
    }),
    msg(FAMILY, {
      title: 'Imprisonment for unpaid maintenance: family court -> judicial police and the fund',
      sender: FAMILY_COURT,
      type: 'alimony.imprisonment-ordered',
      version: '1.0',
      note: 'paying the arrears releases him; the fund does not see his address',
      expect: [POLICE, FUND],
    }),

    msg(CHILD, {
      title: "Referral of a child's case: prosecution -> juvenile court",
      sender: PROSECUTION,
      type: 'case.referred',
      version: '1.0',
      index: 1,
      expect: [JUVENILE_COURT],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Detention of a child: juvenile court -> the care home, the counsellor, the prosecution',
      sender: JUVENILE_COURT,
      type: 'detention.ordered',
      version: '1.0',
      index: 1,
      note: 'a child is held at Dar Al-Amal, never at a correction centre; the counsellor is told of the detention and its length',
      expect: [CARE_HOME, COUNSELLOR, PROSECUTION],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Detention alert for a child: prosecution -> juvenile court and counsellor',
      sender: PROSECUTION,
      type: 'detention.alert',
      version: '1.1',
      note: 'the same type as the adult alert; a child makes it juvenile, so the adult courts never see it',
      expect: [JUVENILE_COURT, COUNSELLOR],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Social inquiry report: counsellor -> juvenile court',
      sender: COUNSELLOR,
      type: 'social-inquiry.report',
      version: '1.0',
      note: 'classified juvenile by its type; the next report is due in three months (nextReportDue)',
      expect: [JUVENILE_COURT],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Judgment, a care placement: juvenile court -> care home, counsellor, prosecution',
      sender: JUVENILE_COURT,
      type: 'decision.issued',
      version: '1.1',
      index: 2,
      expect: [CARE_HOME, COUNSELLOR, PROSECUTION],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Alternative measure for a child: juvenile court -> counsellor',
      sender: JUVENILE_COURT,
      type: 'alternative-measure.ordered',
      version: '1.0',
      index: 1,
      expect: [COUNSELLOR],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Measure report: counsellor -> juvenile court',
      sender: COUNSELLOR,
      type: 'alternative-measure.report',
      version: '1.0',
      index: 1,
      expect: [JUVENILE_COURT],
      classification: 'juvenile',
    }),
    msg(CHILD, {
      title: 'Warrant for a child: juvenile court -> the juvenile police unit and the counsellor',
      sender: JUVENILE_COURT,
      type: 'warrant.issued',
      version: '1.2',
      index: 1,
      note: 'sent as 1.2; both read 3.x, so the hub translates 1.2 -> 2.1 -> 3.0; the counsellor gets seven fields',
      expect: [FAMILY_PROTECTION, COUNSELLOR],
      expectMajor: { [FAMILY_PROTECTION]: 3, [COUNSELLOR]: 3 },
      classification: 'juvenile',
    }),

    msg(GBV, {
      title: 'Protection order: magistrate court -> Family Protection Unit and prosecution',
      sender: MAGISTRATE,
      type: 'protection-order.issued',
      version: '1.0',
      note: 'classified gbv by its type: only institutions cleared for gender-based-violence cases receive it; the judicial police do not',
      expect: [FAMILY_PROTECTION, PROSECUTION],
      classification: 'gbv',
    }),

    {
      kind: 'refusal',
      part: REFUSED,
      title: 'Refused: a sender with no agreement',
      note: 'a bank sends a warrant; no agreement lets it, so nothing is stored or delivered',
      sender: BANK,
      type: 'warrant.issued',
      version: '3.0',
      data: ex('warrant.issued', '3.0'),
      expectStatus: 403,
      expectCode: 'no-agreement',
    },
    {
      kind: 'refusal',
      part: REFUSED,
      title: 'Refused: a failed service that does not say why',
      note: 'the agreement lets a failure through only with its reason; no grant entitles anyone to this one',
      sender: POLICE,
      type: 'notification.served',
      version: '1.1',
      data: failedBare,
      expectStatus: 403,
      expectCode: 'no-recipient',
    },
    {
      kind: 'refusal',
      part: REFUSED,
      title: 'Invalid: a warrant whose national id is malformed',
      note: 'the payload fails its schema; the answer points at the fault',
      sender: COURT,
      type: 'warrant.issued',
      version: '3.0',
      data: invalid,
      expectStatus: 422,
      expectCode: 'schema-violation',
      expectPointer: '/data/subject/nationalId',
    },
    {
      kind: 'refusal',
      part: REFUSED,
      title: 'Not translatable: a name in Latin letters where 3.0 checks Arabic script',
      note: 'valid 2.1, but its recipients read 3.0, which cannot carry it: refused now rather than failing at every delivery',
      sender: JUVENILE_COURT,
      type: 'warrant.issued',
      version: '2.1',
      data: latinName,
      expectStatus: 422,
      expectCode: 'not-translatable',
      expectPointer: '/data/subject/name/ar',
    },
  ];
}
