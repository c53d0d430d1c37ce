import type { OriginEvidence } from '../record/origin.js';
import type { OperatorIdentity } from '../record/operator-cert.js';

/** Who is calling: the institution a request speaks for, proven by the HTTP edge (signature, or the insecure header). */
export interface Principal {
  institution: string;
  /** how it was proven, for the audit log: "unsigned-insecure", or "cert:<serial>" */
  credential: string;
  /**
   * the evidence of origin of this request (issue 26): its verified signature with the covered
   * fields, built only when asked (intake keeps it with the message); absent for unsigned requests
   */
  evidence?: () => OriginEvidence;
  /** the operator an operator certificate names, with their role (issue 26); absent for any other certificate */
  operator?: OperatorIdentity;
}
