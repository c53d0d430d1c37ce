/**
 * The loaded form of agreements: what `loadContracts` returns beyond the spine's `Contracts`, and
 * what `route()` reads. Everything here is immutable data checked at load; routing never re-checks it.
 */
import type { Fault } from '../errors.js';
import { ENVELOPE_ATTRIBUTES, type Classification, type EnvelopeAttribute, type Grant } from '../federation/index.js';
import type { Contracts } from './types.js';
import type { RecordDeclarations } from '../record/annotations.js';

/**
 * The envelope attributes a target receives when its agreement does not list them: all of them
 * when it sees the whole payload (`fields: ["*"]`), none when its fields are projected — a party's
 * name in `subject` must not reach a recipient whose fields leave party names out.
 */
export function defaultEnvelopeAttributes(fields: readonly string[]): EnvelopeAttribute[] {
  return fields.some((f) => f === '*' || f === '') ? [...ENVELOPE_ATTRIBUTES] : [];
}

/** What `loadContracts` returns: the spine's `Contracts` plus the agreements routing needs. */
export interface LoadedContracts extends Contracts {
  /** every grant of every agreement, in agreement-id then file order */
  grants: readonly Grant[];
  /** classification a message type carries by itself (`x-wasla-classification` in its schema) */
  typeClassification(type: string): Classification | undefined;
  /** the federation's time zone (IANA), in which deadlines read the dates of people */
  timeZone: string;
  /**
   * what the schema of `type@version` declares for the record (issue 26): the fields that make a
   * message juvenile or gbv, and the fields that must name its signer; undefined for an unknown schema
   */
  recordDeclarations?(type: string, version: string): RecordDeclarations | undefined;
}

/**
 * The federation's time zone: dates of birth and of the events are calendar dates there (record/
 * calendar.ts). Palestine's courts count days in Asia/Hebron; a federation elsewhere changes this.
 */
export const FEDERATION_TIME_ZONE = 'Asia/Hebron';

/** A contract fault: which file (relative to the contracts dir), where in it, and what is wrong. */
export interface ContractFault extends Fault {
  file: string;
}

/** The payload pointers whose `true` marks a juvenile subject (plus any party with role "juvenile"). */
export const JUVENILE_FLAGS: readonly string[] = ['/juvenile', '/subject/juvenile', '/detainee/juvenile'];
/** The array of parties whose elements' `role` may be "juvenile". */
export const PARTIES_POINTER = '/parties';
export const PARTY_ROLE_POINTER = '/parties/*/role';
