/** The members of the federation, as contracts/institutions/*.json describe them. */
import type { Classification } from './classification.js';

export const INSTITUTION_KINDS = ['court', 'prosecution', 'police', 'facility', 'ministry', 'bank', 'fund', 'counsellor', 'hub'] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];

/** the formats an institution can receive in; the hub implements those in src/adapters (docs/adapters.md) */
export const ADAPTER_NAMES = ['json-http', 'xml-http', 'iso20022'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

export interface Institution {
  id: string;
  kind: InstitutionKind;
  name: { ar?: string; en: string };
  adapter: AdapterName;
  /** where deliveries are POSTed */
  endpoints: { deliveries: string };
  /** classes beyond public/restricted this institution is cleared for: 'juvenile', 'gbv' */
  clearances: Classification[];
}

/** an institution of kind `hub` operates the hub: it sees and replays every delivery */
export function isOperator(institution: Pick<Institution, 'kind'> | undefined): boolean {
  return institution?.kind === 'hub';
}
