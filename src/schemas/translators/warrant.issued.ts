/**
 * warrant.issued 1.x <-> 2.0.
 *
 * What changed in 2.0: the subject's `fullName` (Arabic script) and, since 1.1, `fullNameLatin`
 * became one bilingual `name: { ar, latin? }`; the single `offence` became `offences[]` (at least one).
 * Everything else (court, judge, dates, subject's other fields, bail, executingAuthority,
 * specialInstructions) has the same shape and meaning in both majors and is copied as is.
 *
 * Round trips: 1.x -> 2.0 -> 1.x gives back the same document (a 1.0 document comes back as a
 * valid 1.1 document with the same fields). 2.0 -> 1.x -> 2.0 gives back the same document when the
 * warrant names ONE offence; with more, the others are lost (see down()).
 */
import type { Translator } from './types.js';

interface BilingualName { ar: string; latin?: string }
interface Offence { code: string; description: string; legalBasis: string }
interface SubjectCommon {
  nationalId: string;
  dateOfBirth: string;
  sex: string;
  nationality: string;
  juvenile: boolean;
  physicalDescription?: string;
  address?: unknown;
}
interface Common {
  warrantNumber: string;
  kind: string;
  issuingCourt: unknown;
  judge: unknown;
  caseNumber: string;
  issuedOn: string;
  validUntil: string;
  bail?: unknown;
  executingAuthority: string;
  specialInstructions?: string;
}
export interface WarrantIssuedV1 extends Common {
  subject: SubjectCommon & { fullName: string; fullNameLatin?: string };
  offence: Offence;
}
export interface WarrantIssuedV2 extends Common {
  subject: SubjectCommon & { name: BilingualName };
  offences: Offence[];
}

/** Own, defined properties only: JSON has no `undefined`, and the schemas are closed. */
function defined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const clone = <T>(v: T): T => structuredClone(v);

function common(d: Common): Common {
  return {
    warrantNumber: d.warrantNumber,
    kind: d.kind,
    issuingCourt: clone(d.issuingCourt),
    judge: clone(d.judge),
    caseNumber: d.caseNumber,
    issuedOn: d.issuedOn,
    validUntil: d.validUntil,
  } as Common;
}

function tail(d: Common): Partial<Common> {
  return defined({
    bail: d.bail === undefined ? undefined : clone(d.bail),
    executingAuthority: d.executingAuthority,
    specialInstructions: d.specialInstructions,
  });
}

function subjectCommon(s: SubjectCommon): SubjectCommon {
  return defined({
    nationalId: s.nationalId,
    dateOfBirth: s.dateOfBirth,
    sex: s.sex,
    nationality: s.nationality,
    juvenile: s.juvenile,
    physicalDescription: s.physicalDescription,
    address: s.address === undefined ? undefined : clone(s.address),
  });
}

/** 1.x -> 2.0: nothing is lost. */
export function up(data: unknown): WarrantIssuedV2 {
  const d = data as WarrantIssuedV1;
  const { fullName, fullNameLatin } = d.subject;
  // 1.x defines fullName as the name in Arabic script, so it becomes name.ar. A 1.x sender that
  // put a Latin-script name there produces a 2.0 name.ar in Latin script: no script detection is
  // attempted, because guessing would be worse than carrying the court's own record verbatim.
  const name: BilingualName = fullNameLatin === undefined ? { ar: fullName } : { ar: fullName, latin: fullNameLatin };
  return {
    ...common(d),
    subject: { name, ...subjectCommon(d.subject) },
    offences: [clone(d.offence)],
    ...tail(d),
  } as WarrantIssuedV2;
}

/** 2.0 -> latest 1.x (1.1). */
export function down(data: unknown): WarrantIssuedV1 {
  const d = data as WarrantIssuedV2;
  // name.ar -> fullName and name.latin -> fullNameLatin (1.1): lossless.
  const subject = defined({ fullName: d.subject.name.ar, ...subjectCommon(d.subject), fullNameLatin: d.subject.name.latin });
  return {
    ...common(d),
    subject,
    // INFORMATION LOST: 1.x carries exactly one offence. The first one is kept (2.0 lists the most
    // serious first); offences[1..] are dropped. A recipient pinned to major 1 never learns of them;
    // an agreement that needs them must pin major 2.
    offence: clone(d.offences[0]),
    ...tail(d),
  } as WarrantIssuedV1;
}

export const warrantIssuedTranslators: Translator[] = [
  { type: 'warrant.issued', from: 1, to: 2, translate: up },
  { type: 'warrant.issued', from: 2, to: 1, translate: down },
];
