/**
 * warrant.issued 1.x <-> 2.x <-> 3.x.
 *
 * 1.x -> 2.x: the subject's `fullName` (Arabic script) and, since 1.1, `fullNameLatin` became one
 * bilingual `name: { ar, latin? }`; the single `offence` (with, since 1.2, `additionalOffences`)
 * became `offences[]` (at least one, most serious first). Everything else — court, judge, dates, the
 * subject's other fields (1.2 / 2.1 added aliases, motherName, placeOfBirth to both), bail,
 * executingAuthority, specialInstructions — has the same shape and meaning in both and is copied.
 *
 * 2.x -> 3.x: the same fields; 3.0 only makes the subject's nationalId, dateOfBirth and nationality
 * optional (a person identified only in part) and checks the script of every name.
 *
 * What a translation drops: nothing. Down to 1.x, 1.2 carries every offence and every subject field
 * of 2.x; down to 2.x, a 3.x warrant is carried whole — but only one that names the subject's
 * nationalId, dateOfBirth and nationality exists in 2.x at all (`requires`): any other is refused
 * as not translatable, and the contract set must not pin a recipient to major 1 or 2 for it. Up to
 * 3.x, a 2.x name whose `ar` is not in Arabic script (or `latin` not in Latin script) cannot be
 * written (3.0 checks the script) and is refused the same way. Round trips give back the same document, with one exception the schema
 * allows: a 1.0 / 1.1 document comes back as the 1.2 document with the same fields.
 */
import { ValidationError, type Fault } from '../../errors.js';
import { ARABIC_NAME_PATTERN, LATIN_NAME_PATTERN } from '../authoring.js';
import { escapePointerToken } from '../../json/index.js';
import type { Translator } from './types.js';

interface BilingualName {
  ar: string;
  latin?: string;
}
interface Offence {
  code: string;
  description: string;
  legalBasis: string;
}
interface SubjectCommon {
  nationalId?: string;
  dateOfBirth?: string;
  sex: string;
  nationality?: string;
  juvenile: boolean;
  physicalDescription?: string;
  address?: unknown;
  aliases?: BilingualName[];
  motherName?: BilingualName;
  placeOfBirth?: string;
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
  additionalOffences?: Offence[];
}
export interface WarrantIssuedV2 extends Common {
  subject: SubjectCommon & { name: BilingualName };
  offences: Offence[];
}
/** 3.x has the shape of 2.x, with nationalId, dateOfBirth and nationality optional. */
export type WarrantIssuedV3 = WarrantIssuedV2;

/** The pointers 2.x requires that 3.x may leave out. */
export const REQUIRED_BY_V2 = ['/subject/nationalId', '/subject/dateOfBirth', '/subject/nationality'] as const;

/**
 * 3.0 (like every schema published since issue 27) checks the script of each name's members: `ar`
 * in Arabic script, `latin` in Latin script (the patterns of src/schemas/authoring.ts).
 */
const SCRIPTS: Record<string, RegExp> = {
  ar: new RegExp(ARABIC_NAME_PATTERN, 'u'),
  latin: new RegExp(LATIN_NAME_PATTERN, 'u'),
};

/** Own, defined properties only: JSON has no `undefined`, and the schemas are closed. */
function defined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

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
    bail: clone(d.bail),
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
    address: clone(s.address),
    aliases: clone(s.aliases),
    motherName: clone(s.motherName),
    placeOfBirth: s.placeOfBirth,
  });
}

/** 1.x -> 2.1: nothing is lost. */
export function up(data: unknown): WarrantIssuedV2 {
  const d = data as WarrantIssuedV1;
  const { fullName, fullNameLatin } = d.subject;
  // 1.x defines fullName as the name in Arabic script, so it becomes name.ar. A 1.x sender that
  // put a Latin-script name there produces a 2.x name.ar in Latin script (2.x does not check the
  // script); going on to 3.0 then refuses it, rather than guessing which script it is.
  const name: BilingualName = fullNameLatin === undefined ? { ar: fullName } : { ar: fullName, latin: fullNameLatin };
  return {
    ...common(d),
    subject: { name, ...subjectCommon(d.subject) },
    offences: [clone(d.offence), ...clone(d.additionalOffences ?? [])],
    ...tail(d),
  } as WarrantIssuedV2;
}

/** 2.x -> 1.2: nothing is lost (offences[0] -> offence, offences[1..] -> additionalOffences). */
export function down(data: unknown): WarrantIssuedV1 {
  const d = data as WarrantIssuedV2;
  const subject = defined({ fullName: d.subject.name.ar, ...subjectCommon(d.subject), fullNameLatin: d.subject.name.latin });
  const [first, ...rest] = d.offences;
  return defined({
    ...common(d),
    subject,
    offence: clone(first),
    additionalOffences: rest.length > 0 ? clone(rest) : undefined,
    ...tail(d),
  }) as WarrantIssuedV1;
}

/** Every name member (`ar`, `latin`) of the document whose script 3.0 would refuse. */
function scriptFaults(value: unknown, at = ''): Fault[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => scriptFaults(v, `${at}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  const out: Fault[] = [];
  for (const [k, v] of Object.entries(value)) {
    const ptr = `${at}/${escapePointerToken(k)}`;
    if (typeof v === 'string' && k in SCRIPTS) {
      if (!SCRIPTS[k].test(v)) out.push({ pointer: ptr, detail: `not in ${k === 'ar' ? 'Arabic' : 'Latin'} script, which warrant.issued 3.0 requires of a name` });
    } else {
      out.push(...scriptFaults(v, ptr));
    }
  }
  return out;
}

/** 2.x -> 3.0: the same document, provided its names are in the scripts 3.0 checks. */
export function upTo3(data: unknown): WarrantIssuedV3 {
  const d = data as WarrantIssuedV2;
  // 2.x never checked the script of a name (its court, judge and subject names); 3.0 does. Moving
  // a Latin `ar` into `latin` would leave `ar` empty, so such a document cannot be written in 3.0,
  // and is refused with the place of each fault.
  const wrong = scriptFaults(d);
  if (wrong.length > 0) {
    throw new ValidationError('not-translatable', 'warrant.issued 3.0 checks the script of every name; this 2.x document has names it would refuse', wrong);
  }
  return { ...common(d), subject: { name: clone(d.subject.name), ...subjectCommon(d.subject) }, offences: clone(d.offences), ...tail(d) } as WarrantIssuedV3;
}

/** 3.x -> 2.1: the same document; defined only when the subject is fully identified (REQUIRED_BY_V2). */
export function downTo2(data: unknown): WarrantIssuedV2 {
  const d = data as WarrantIssuedV3;
  return { ...common(d), subject: { name: clone(d.subject.name), ...subjectCommon(d.subject) }, offences: clone(d.offences), ...tail(d) } as WarrantIssuedV2;
}

export const warrantIssuedTranslators: Translator[] = [
  { type: 'warrant.issued', from: 1, to: 2, translate: up },
  { type: 'warrant.issued', from: 2, to: 1, translate: down },
  { type: 'warrant.issued', from: 2, to: 3, translate: upTo3 },
  { type: 'warrant.issued', from: 3, to: 2, requires: REQUIRED_BY_V2, translate: downTo2 },
];
