/**
 * The sender is who the message says (issue 26): every field the schema declares as naming an
 * institution (`x-wasla-issuer`: a warrant's issuing court, a report's unit) must name the signer,
 * one of its units where the schema allows units, or an institution it may act for. Otherwise the
 * request is refused with its own problem type, `issuer-mismatch` (403), one fault per value at
 * fault with its pointer into the envelope; nothing is stored. The rule itself is record/issuer.ts;
 * this module only wires it to intake.
 */
import { ForbiddenError } from '../errors.js';
import { HUB_INSTITUTION_ID } from '../federation/index.js';
import { checkIssuer, type ActingFor } from '../record/issuer.js';
import type { LoadedContracts } from '../routing/model.js';

/**
 * Throws `issuer-mismatch` when a declared field names someone other than the signer. The hub's own
 * messages are exempt: the hub writes them from data it already checked when it received them.
 * No agreement carries acting-for entries yet (docs/proposals/acting-for.md), so none is passed.
 */
export function refuseIssuerMismatch(contracts: LoadedContracts, signer: string, type: string, version: string, data: unknown, at: Date, actingFor: readonly ActingFor[] = []): void {
  if (signer === HUB_INSTITUTION_ID) return;
  const fields = contracts.recordDeclarations?.(type, version)?.issuer ?? [];
  if (fields.length === 0) return;
  const faults = checkIssuer(fields, data, { signer, type, at, isInstitution: (id) => contracts.institutions.has(id), actingFor });
  if (faults.length === 0) return;
  throw new ForbiddenError(
    'issuer-mismatch',
    `this ${type} names an institution other than its signer ${signer} as its issuer (${faults.length} field(s)); an institution sends only in its own name`,
    faults.map((f) => ({ pointer: `/data${f.pointer}`, detail: f.detail })),
  );
}
