/**
 * Operator certificates: a person of the hub's institution, with one role (roles.ts).
 *
 * An operator certificate is an institution certificate of src/trust (CN and the URI
 * `urn:wasla:institution:<id>` name the institution, so every existing check still reads it) with
 * two additions:
 * - a second URI in the subject alternative name, `urn:wasla:operator:<operator id>`: the person,
 *   which the audit log records as the actor of what they do;
 * - a CRITICAL private extension holding the role as a UTF8String. Its OID is under the arc 2.25,
 *   which X.667 (RFC 4122 §A / ITU-T X.667) gives every UUID without registration:
 *   2.25.155146362623759198867609323080392608565. Critical, because RFC 5280 §4.2 requires a
 *   validator that does not understand a critical extension to refuse the certificate: software
 *   that does not know roles must not take an auditor's certificate for a full operator's.
 *
 * A role in the subject DN (X.520 `role`, or an OU) was the alternative; it cannot be critical, and
 * a DN attribute is read by software that knows nothing of it as part of a name, which is exactly
 * the confusion to avoid.
 *
 * Issuing reuses src/trust's issueCertificate and adds the two things to its to-be-signed part
 * before signing again with the CA key (node-forge, as src/trust does); the certificate trust first
 * built is never released.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { INSTITUTION_URN_PREFIX, importCa, issueCertificate, type IssueOptions, type IssuedCertificate } from '../trust/index.js';
import { fromDer, OID, seq, toDer } from '../trust/x509-asn1.js';
import { RoleError } from './errors.js';
import { isRole, type Role } from './roles.js';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;
const U = asn1.Class.UNIVERSAL;
const C = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

export const OPERATOR_URN_PREFIX = 'urn:wasla:operator:';
export const OPERATOR_ROLE_OID = '2.25.155146362623759198867609323080392608565';
const OPERATOR_ID_RE = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

/** DER content of an OID, arcs of any size (forge's own encoder is limited to 32-bit arcs). */
export function oidContent(oid: string): Buffer {
  const arcs = oid.split('.').map((a) => BigInt(a));
  const out: number[] = [];
  const base128 = (v: bigint) => {
    const bytes = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) bytes.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...bytes);
  };
  base128(arcs[0] * 40n + arcs[1]);
  for (const a of arcs.slice(2)) base128(a);
  return Buffer.from(out);
}

const ROLE_OID = oidContent(OPERATOR_ROLE_OID).toString('binary');
const SAN_OID = asn1.oidToDer(OID.subjectAltName).getBytes();

function extensionsOf(tbs: Asn1): Asn1[] {
  const ext = (tbs.value as Asn1[]).find((n) => n.tagClass === C && n.type === 3);
  if (!ext) throw new RoleError('operator-certificate-invalid', 'the certificate has no extensions');
  return (ext.value as Asn1[])[0].value as Asn1[];
}

function octets(bytes: string): Asn1 {
  return asn1.create(U, T.OCTETSTRING, false, bytes);
}

/** An operator certificate for `operatorId` with `role`, issued by the federation CA. */
export function issueOperatorCertificate(opts: IssueOptions & { operatorId: string; role: Role }): IssuedCertificate & { operatorId: string; role: Role } {
  if (!OPERATOR_ID_RE.test(opts.operatorId)) throw new RoleError('operator-role-invalid', 'an operator id is 1-64 characters of a-z 0-9 . _ -, starting and ending with a letter or digit');
  if (!isRole(opts.role)) throw new RoleError('operator-role-invalid', `unknown role ${JSON.stringify(String(opts.role).slice(0, 40))}`);
  const ca = 'x509' in opts.ca ? opts.ca : importCa(opts.ca.certPem, opts.ca.keyPem);
  if (!ca.keyPem) throw new RoleError('operator-certificate-invalid', 'issuing needs the CA private key');
  const issued = issueCertificate(opts);

  const cert = fromDer(new X509Certificate(issued.certPem).raw);
  const tbs = (cert.value as Asn1[])[0];
  const exts = extensionsOf(tbs);
  const san = exts.find((e) => (e.value as Asn1[])[0].value === SAN_OID);
  if (!san) throw new RoleError('operator-certificate-invalid', 'the certificate has no subject alternative name');
  const sanValue = (san.value as Asn1[])[(san.value as Asn1[]).length - 1];
  const names = asn1.fromDer(sanValue.value as string);
  (names.value as Asn1[]).push(asn1.create(C, 6, false, OPERATOR_URN_PREFIX + opts.operatorId));
  sanValue.value = asn1.toDer(names).getBytes();
  const roleValue = asn1.toDer(asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(opts.role))).getBytes();
  exts.push(seq(asn1.create(U, T.OID, false, ROLE_OID), asn1.create(U, T.BOOLEAN, false, '\xff'), octets(roleValue)));

  const md = forge.md.sha256.create();
  md.update(asn1.toDer(tbs).getBytes());
  const signature = (forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey).sign(md);
  const der = toDer(seq(tbs, (cert.value as Asn1[])[1], asn1.create(U, T.BITSTRING, false, '\x00' + signature)));
  const x = new X509Certificate(der);
  return { ...issued, certPem: x.toString(), fingerprint: x.fingerprint256.replace(/:/g, '').toLowerCase(), operatorId: opts.operatorId, role: opts.role };
}

export interface OperatorIdentity {
  institutionId: string;
  operatorId: string;
  role: Role;
}

function sanUris(x: X509Certificate): string[] {
  return (x.subjectAltName ?? '')
    .split(', ')
    .filter((e) => e.startsWith('URI:'))
    .map((e) => e.slice(4))
    .map((v) => (v.startsWith('"') && v.endsWith('"') ? (JSON.parse(v) as string) : v));
}

/**
 * The operator a certificate names, or null for a certificate with neither a role nor an operator
 * (an institution's). A certificate with one and not the other, a role extension that is not
 * critical, given twice or naming an unknown role is refused (RoleError): it is no operator's.
 * The caller still checks the chain and that the institution is the hub's.
 */
export function readOperator(certPem: string): OperatorIdentity | null {
  let x: X509Certificate;
  try {
    x = new X509Certificate(certPem);
  } catch {
    throw new RoleError('operator-certificate-invalid', 'the certificate cannot be read');
  }
  const uris = sanUris(x);
  const operators = uris.filter((u) => u.startsWith(OPERATOR_URN_PREFIX)).map((u) => u.slice(OPERATOR_URN_PREFIX.length));
  const institution = uris.find((u) => u.startsWith(INSTITUTION_URN_PREFIX))?.slice(INSTITUTION_URN_PREFIX.length);

  const roles: Array<{ critical: boolean; value: string }> = [];
  const tbs = (fromDer(x.raw).value as Asn1[])[0];
  const ext = (tbs.value as Asn1[]).find((n) => n.tagClass === C && n.type === 3);
  for (const e of ext ? ((ext.value as Asn1[])[0].value as Asn1[]) : []) {
    const parts = e.value as Asn1[];
    if (parts[0].value !== ROLE_OID) continue;
    const critical = parts.length === 3 && parts[1].type === T.BOOLEAN && parts[1].value !== '\x00';
    try {
      const inner = asn1.fromDer(parts[parts.length - 1].value as string);
      roles.push({ critical, value: inner.type === T.UTF8 ? forge.util.decodeUtf8(inner.value as string) : '\u0000' });
    } catch {
      roles.push({ critical, value: '\u0000' });
    }
  }

  if (roles.length === 0 && operators.length === 0) return null;
  const bad = (why: string): never => {
    throw new RoleError('operator-role-invalid', `not a usable operator certificate: ${why}`);
  };
  if (roles.length !== 1) bad(roles.length === 0 ? 'it names an operator but no role' : 'it carries more than one role');
  if (!roles[0].critical) bad('its role extension is not critical');
  if (!isRole(roles[0].value)) bad('it names an unknown role');
  if (operators.length !== 1 || !OPERATOR_ID_RE.test(operators[0])) bad('it must name exactly one operator');
  if (!institution) return bad('it names no institution');
  return { institutionId: institution, operatorId: operators[0], role: roles[0].value as Role };
}
