/**
 * The demo's script: one message of each flow of the demo federation, built from the catalogue's
 * own examples (`contracts/messages/<type>/<version>.schema.json` -> `examples`), re-addressed to
 * the demo's institutions so the agreements' routing conditions hold, with the recipients each
 * should reach. Then one refused and one invalid request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MessageFlow {
  kind: 'message';
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
  /** a juvenile flow: classified juvenile, and no uncleared institution may receive it */
  juvenile?: boolean;
}

export interface RefusalFlow {
  kind: 'refusal';
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
const POLICE = 'ps.police.judicial';
const FAMILY_COURT = 'ps.sjd.family-court.ramallah';
const JUVENILE_COURT = 'ps.hjc.juvenile-court.ramallah';

export function demoFlows(contractsDir: string): Flow[] {
  const ex = (type: string, version: string, index = 0) => example(contractsDir, type, version, index);

  // A Jordanian example warrant, re-issued by the Ramallah court for the judicial police.
  const warrant = ex('warrant.issued', '2.0');
  warrant.issuingCourt.id = COURT;
  warrant.executingAuthority = POLICE;
  warrant.subject.juvenile = false;

  // the report answers the warrant above
  const executed = ex('warrant.executed', '1.0');
  executed.warrantNumber = warrant.warrantNumber;
  executed.caseNumber = warrant.caseNumber;

  // examples[1] is the catalogue's fine decision (examples[0] is a prison sentence, which no
  // ministry receives); it only needs to come from a court of the federation.
  const fineDecision = ex('decision.issued', '1.0', 1);
  fineDecision.court.id = COURT;

  const fine = ex('traffic-fine.issued', '1.0');
  fine.issuedBy = POLICE;

  const order = ex('alimony.order', '1.0');
  order.court.id = FAMILY_COURT;

  const payout = ex('alimony.payout-instruction', '1.0');
  const record = ex('alimony.payment-record', '1.0');

  const juvenileDecision = ex('decision.issued', '1.0');
  juvenileDecision.court.id = JUVENILE_COURT;
  juvenileDecision.juvenile = true;
  juvenileDecision.parties[0].role = 'juvenile';

  const childAlert = ex('detention.alert', '1.0'); // examples[0]: a child (detainee.juvenile true)

  const adultAlert = ex('detention.alert', '1.0', 1); // examples[1]: an adult, past the legal limit

  const invalid = ex('warrant.issued', '2.0');
  invalid.issuingCourt.id = COURT;
  invalid.executingAuthority = POLICE;
  invalid.subject.juvenile = false;
  invalid.subject.nationalId = '98-710'; // a national id is 9 or 10 digits

  return [
    {
      kind: 'message', title: 'Warrant: court -> judicial police',
      note: 'sent as warrant.issued 2.0; the police pin major 1, so the hub translates',
      sender: COURT, type: 'warrant.issued', version: '2.0', data: warrant,
      expect: [POLICE], expectMajor: { [POLICE]: 1 },
    },
    {
      kind: 'message', title: 'Execution report: judicial police -> the courts',
      note: 'the report does not name the court, so every first-instance court gets it',
      sender: POLICE, type: 'warrant.executed', version: '1.0', data: executed,
      expect: ['ps.hjc.court.nablus', COURT],
    },
    {
      kind: 'message', title: 'Decision with a fine: court -> the ministries',
      note: 'each ministry gets only the fields its agreement lists',
      sender: COURT, type: 'decision.issued', version: '1.0', data: fineDecision,
      expect: ['ps.mof', 'ps.mot'],
    },
    {
      kind: 'message', title: 'Traffic fine: judicial police -> court, finance, transport',
      note: 'the court is chosen by where it happened; finance gets only what collection needs',
      sender: POLICE, type: 'traffic-fine.issued', version: '1.0', data: fine,
      expect: [COURT, 'ps.mof', 'ps.mot'],
    },
    {
      kind: 'message', title: 'Alimony order: family court -> alimony fund',
      sender: FAMILY_COURT, type: 'alimony.order', version: '1.0', data: order,
      expect: ['ps.alimony-fund'],
    },
    {
      kind: 'message', title: 'Payout instruction: alimony fund -> bank',
      sender: 'ps.alimony-fund', type: 'alimony.payout-instruction', version: '1.0', data: payout,
      expect: ['ps.bank.palestine'],
    },
    {
      kind: 'message', title: 'Payment record: bank -> alimony fund and family court',
      note: 'the fund gets the whole record, the family court five fields',
      sender: 'ps.bank.palestine', type: 'alimony.payment-record', version: '1.0', data: record,
      expect: ['ps.alimony-fund', FAMILY_COURT],
    },
    {
      kind: 'message', title: 'Juvenile court decision -> prosecution and child protection counsellor',
      note: 'classified juvenile: only institutions cleared for juvenile cases receive it',
      sender: JUVENILE_COURT, type: 'decision.issued', version: '1.0', data: juvenileDecision,
      expect: ['ps.ago.prosecution', 'ps.mosd.child-protection'], juvenile: true,
    },
    {
      kind: 'message', title: 'Detention alert for a child: prosecution -> juvenile court and counsellor',
      note: 'the same type as the next flow; a child makes it juvenile, so the adult courts never see it',
      sender: 'ps.ago.prosecution', type: 'detention.alert', version: '1.0', data: childAlert,
      expect: [JUVENILE_COURT, 'ps.mosd.child-protection'], juvenile: true,
    },
    {
      kind: 'message', title: 'Detention alert for an adult: prosecution -> the courts',
      sender: 'ps.ago.prosecution', type: 'detention.alert', version: '1.0', data: adultAlert,
      expect: ['ps.hjc.court.nablus', COURT],
    },
    {
      kind: 'refusal', title: 'Refused: a sender with no agreement',
      note: 'a bank sends a warrant; no agreement lets it, so nothing is stored or delivered',
      sender: 'ps.bank.palestine', type: 'warrant.issued', version: '2.0', data: warrant,
      expectStatus: 403, expectCode: 'no-agreement',
    },
    {
      kind: 'refusal', title: 'Invalid: a warrant whose national id is malformed',
      note: 'the payload fails its schema; the answer points at the fault',
      sender: COURT, type: 'warrant.issued', version: '2.0', data: invalid,
      expectStatus: 422, expectCode: 'schema-violation', expectPointer: '/data/subject/nationalId',
    },
  ];
}
