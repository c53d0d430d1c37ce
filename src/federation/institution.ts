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
  /**
   * push (the default): the hub POSTs each delivery to `endpoints.deliveries`; pull: its deliveries
   * wait in the hub's inbox (GET /v1/inbox, docs/inbox.md) and nothing is POSTed to it
   */
  delivery?: DeliveryMode;
  /**
   * where deliveries are POSTed; for a pulling institution without an endpoint, the inbox URI its
   * pulled deliveries are signed over (inboxTarget)
   */
  endpoints: { deliveries: string };
  /** classes beyond public/restricted this institution is cleared for: 'juvenile', 'gbv' */
  clearances: Classification[];
  /** issue 23: a bank on the iso20022 adapter: the account each sender pays from (the pain.001 debtor) */
  iso20022?: { debtors: Iso20022Debtor[] };
}

export interface Iso20022Debtor {
  /** the sender's institution id */
  sender: string;
  name: string;
  iban: string;
  bic: string;
}

/** issue 22: how an institution receives its deliveries */
export const DELIVERY_MODES = ['push', 'pull'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/**
 * The target URI a pulled delivery is signed over when its institution has no endpoint: the
 * delivery is built and signed exactly as a push, and a signature covers `@target-uri`, so it
 * names the institution's inbox. A URN, so that it can never be mistaken for a place to POST to.
 */
export function inboxTarget(institutionId: string): string {
  return `urn:wasla:inbox:${institutionId}`;
}

/** whether the institution pulls its deliveries from the inbox instead of receiving pushes */
export function pulls(institution: Pick<Institution, 'delivery'> | undefined): boolean {
  return institution?.delivery === 'pull';
}

/**
 * The hub's own id: its certificate names it, and it is the sender of the messages the hub raises
 * itself (alerts, reconciled payment records: intake/emit.ts). It is not a member institution: no
 * request can be made under it, and nothing is delivered to it. An agreement names it as a sender
 * only by this exact id (a pattern such as `ps.**` does not reach it).
 */
export const HUB_INSTITUTION_ID = 'ps.wasla.hub';

/** an institution of kind `hub` operates the hub: it sees and replays every delivery */
export function isOperator(institution: Pick<Institution, 'kind'> | undefined): boolean {
  return institution?.kind === 'hub';
}
