/** Who is calling: the institution a request speaks for, proven by the HTTP edge (signature, or the insecure header). */
export interface Principal {
  institution: string;
  /** how it was proven, for the audit log: "unsigned-insecure", or "cert:<serial>" */
  credential: string;
}
