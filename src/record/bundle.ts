/**
 * Signed audit bundles (issue 26, item 5): an export of the audit chain that an auditor verifies
 * without the hub — with `wasla audit verify-bundle` or the SDK's `verifyAuditBundle`.
 *
 * The format is ONE canonical JSON document (src/audit/canonical-json.ts: keys sorted, no
 * whitespace), chosen over a directory or a tar file because it has exactly one spelling: the
 * verifier parses it, serialises it again and requires the very same bytes, so there is no
 * whitespace, key order, escape, tar header, padding or file order an attacker could change
 * without the verifier noticing, and any JSON library and SHA-256 can check it in any language.
 *
 *   {
 *     "format": "wasla-audit-bundle/1",
 *     "hub": "<the hub's institution id>", "createdAt": "<ISO>", "range": { "from", "to" },
 *     "certificates": { "ca": [PEM], "hub": [PEM], "institutions": [{ "pem", "revokedAt" }] },
 *     "seals": [{ "seal", "firstSeq", "prevHash", "headHash", "sealedAt",
 *                 "entries": [{ "seq", "at", "actor", "action", "subject", "data" }],
 *                 "signature": { "keyid", "alg", "value" } }],
 *     "origins": { "<message id>": <evidence of origin, origin.ts> },
 *     "signature": { "keyid", "alg", "value" }
 *   }
 *
 * What is signed, with the hub's key (its certificate, issued by the federation CA, names the hub):
 * - each seal, when it is made: the bytes `wasla-audit-seal/1` LF canonical-JSON of
 *   {hub, seal, firstSeq, count, prevHash, headHash, sealedAt}. The head hash covers every entry of
 *   the seal and, through prevHash, the whole chain before it; count and firstSeq fix its range.
 * - the bundle, when it is exported: `wasla-audit-bundle/1` LF canonical-JSON of the bundle
 *   without its "signature" member — certificates, range, evidence and seal signatures included.
 * Signatures use the RFC 9421 algorithm of the key (Ed25519, ECDSA P-256 with SHA-256, RSA-PSS
 * SHA-512); ECDSA signatures are in low-s form and base64 must be canonical, so that no signature
 * has a second spelling.
 *
 * `verifyAuditBundle` checks, without the hub: the bytes are the canonical serialisation; the CA is
 * one the auditor trusts (when told which) and every hub certificate chains to it and names the
 * hub; the bundle signature and every seal signature verify with a hub certificate that was valid
 * at the time of signing; seals are consecutive, each continues from the one before, and every
 * entry's hash is recomputed with src/audit/chain.ts up to the seal's head; every evidence of origin
 * belongs to a `message.accepted` entry of the bundle (same sender, same body hash, received no later
 * than the entry) and verifies with its institution's certificate at the time of that entry
 * (origin.ts). Any changed byte fails it.
 *
 * Imports nothing of the server: the audit chain and canonical JSON, src/trust and origin.ts.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../audit/canonical-json.js';
import { entryHash } from '../audit/chain.js';
import { keyFitsAlgorithm, signBytes, signingAlgorithmOf, toPrivateKey, verifyBytes, type KeyInput, type SignatureAlgorithm } from '../trust/algorithms.js';
import { isTrustError } from '../trust/errors.js';
import { checkStatus, findIssuer, importCa, normalizeSerial, parseCertificate, type CertificateAuthority, type ParsedCertificate } from '../trust/pki.js';
import { BundleError, OriginError } from './errors.js';
import { isIsoInstant, readOriginEvidence, verifyOrigin, type OriginEvidence } from './origin.js';

export const BUNDLE_FORMAT = 'wasla-audit-bundle/1';
export const SEAL_STATEMENT_FORMAT = 'wasla-audit-seal/1';
const BUNDLE_ALGORITHMS: readonly SignatureAlgorithm[] = ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512'];
const MAX_PROBLEMS = 100;
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
// order n of the P-256 group (SEC 2 §2.4.2)
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

// ------------------------------------------------------------------------------------------------
// Types
// ------------------------------------------------------------------------------------------------

/** What a seal signature signs. */
export interface SealStatement {
  hub: string;
  seal: number;
  firstSeq: number;
  /** how many entries the seal chains */
  count: number;
  prevHash: string;
  headHash: string;
  /** ISO 8601 UTC with milliseconds */
  sealedAt: string;
}

export interface SignatureValue {
  /** the serial of the hub certificate whose key signed */
  keyid: string;
  alg: SignatureAlgorithm;
  /** canonical base64 */
  value: string;
}

export interface BundleEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  data: unknown;
}

export interface BundleSeal {
  seal: number;
  firstSeq: number;
  prevHash: string;
  headHash: string;
  sealedAt: string;
  entries: BundleEntry[];
  signature: SignatureValue;
}

export interface BundleCertificate {
  pem: string;
  /** when the federation revoked it, as the hub knew at export; null if not */
  revokedAt: string | null;
}

export interface AuditBundle {
  format: typeof BUNDLE_FORMAT;
  hub: string;
  createdAt: string;
  range: { from: string | null; to: string | null };
  certificates: { ca: string[]; hub: string[]; institutions: BundleCertificate[] };
  seals: BundleSeal[];
  origins: Record<string, OriginEvidence>;
  signature: SignatureValue;
}

// ------------------------------------------------------------------------------------------------
// Signing
// ------------------------------------------------------------------------------------------------

function lowS(alg: SignatureAlgorithm, sig: Buffer): Buffer {
  if (alg !== 'ecdsa-p256-sha256' || sig.length !== 64) return sig;
  const s = BigInt('0x' + sig.subarray(32).toString('hex'));
  if (s <= P256_N / 2n) return sig;
  return Buffer.concat([sig.subarray(0, 32), Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex')]);
}

function isHighS(alg: SignatureAlgorithm, sig: Buffer): boolean {
  return alg === 'ecdsa-p256-sha256' && sig.length === 64 && BigInt('0x' + sig.subarray(32).toString('hex')) > P256_N / 2n;
}

/** The bytes a seal signature signs. */
export function sealStatementBytes(s: SealStatement): Buffer {
  const body = canonicalJson({ hub: s.hub, seal: s.seal, firstSeq: s.firstSeq, count: s.count, prevHash: s.prevHash, headHash: s.headHash, sealedAt: s.sealedAt });
  return Buffer.from(`${SEAL_STATEMENT_FORMAT}\n${body}`, 'utf8');
}

function bundleBytes(b: Omit<AuditBundle, 'signature'>): Buffer {
  const { signature: _omit, ...rest } = b as AuditBundle;
  return Buffer.from(`${BUNDLE_FORMAT}\n${canonicalJson(rest)}`, 'utf8');
}

function sign(bytes: Buffer, key: KeyInput, keyid: string): SignatureValue {
  const k: KeyObject = toPrivateKey(key);
  const alg = signingAlgorithmOf(k);
  if (!BUNDLE_ALGORITHMS.includes(alg)) throw new BundleError(`a ${alg} key cannot sign the audit record`);
  return { keyid: normalizeSerial(keyid), alg, value: lowS(alg, signBytes(alg, k, bytes)).toString('base64') };
}

/** Signs a seal with the hub's key; `keyid` is the serial of the hub certificate of that key. */
export function signSeal(statement: SealStatement, hubKey: KeyInput, keyid: string): SignatureValue {
  return sign(sealStatementBytes(statement), hubKey, keyid);
}

export interface BuildBundleInput {
  hub: { id: string; key: KeyInput; certPem: string };
  caCertPems: readonly string[];
  /** hub certificates that signed seals, besides `hub.certPem` (after a rotation of the hub key) */
  otherHubCertPems?: readonly string[];
  institutionCertificates: ReadonlyArray<{ pem: string; revokedAt: Date | null }>;
  seals: ReadonlyArray<{
    seal: number;
    firstSeq: number;
    prevHash: string;
    headHash: string;
    sealedAt: Date;
    entries: ReadonlyArray<{ seq: number; at: Date; actor: string; action: string; subject: string | null; data: unknown }>;
    signature: SignatureValue;
  }>;
  origins: Readonly<Record<string, OriginEvidence>>;
  range: { from: Date | null; to: Date | null };
  createdAt?: Date;
}

/** The canonical text of a signed bundle (what `wasla audit export` writes). */
export function buildAuditBundle(input: BuildBundleInput): string {
  const hubCert = parseCertificate(input.hub.certPem);
  if (hubCert.institutionId !== input.hub.id) throw new BundleError(`the hub certificate names ${hubCert.institutionId}, not ${input.hub.id}`);
  const pem = (p: string) => parseCertificate(p).pem;
  const hubPems = [...new Set([hubCert.pem, ...(input.otherHubCertPems ?? []).map(pem)])];
  const unsigned: Omit<AuditBundle, 'signature'> = {
    format: BUNDLE_FORMAT,
    hub: input.hub.id,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    range: { from: input.range.from?.toISOString() ?? null, to: input.range.to?.toISOString() ?? null },
    certificates: {
      ca: input.caCertPems.map((c) => importCa(c).certPem),
      hub: hubPems,
      institutions: input.institutionCertificates.map((c) => ({ pem: pem(c.pem), revokedAt: c.revokedAt?.toISOString() ?? null })),
    },
    seals: input.seals.map((s) => ({
      seal: s.seal,
      firstSeq: s.firstSeq,
      prevHash: s.prevHash,
      headHash: s.headHash,
      sealedAt: s.sealedAt.toISOString(),
      entries: s.entries.map((e) => ({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, subject: e.subject, data: e.data ?? {} })),
      signature: s.signature,
    })),
    origins: { ...input.origins },
  };
  // the same text JSON.parse gives back: undefined members dropped, numbers and strings as JSON writes them
  const plain = JSON.parse(canonicalJson(unsigned)) as Omit<AuditBundle, 'signature'>;
  return canonicalJson({ ...plain, signature: sign(bundleBytes(plain), input.hub.key, hubCert.serial) });
}

// ------------------------------------------------------------------------------------------------
// Verifying
// ------------------------------------------------------------------------------------------------

export interface VerifyBundleOptions {
  /**
   * The federation CA(s) the auditor trusts: PEMs or SHA-256 fingerprints (hex, colons allowed).
   * Without it the bundle's own CA is used, and the result says so (`trust: "bundle"`): the bundle is
   * then shown consistent and signed, not signed by YOUR federation's hub.
   */
  trustedCa?: readonly string[];
  /** revocations the auditor knows (serial -> time), on top of those the bundle lists */
  revoked?: Readonly<Record<string, Date>>;
  /** a head recorded earlier (`<seq>:<hash>`, as `wasla audit verify` prints it): the bundle must reach it with that hash */
  expectHead?: string;
  /** refuse larger input (default 512 MiB) */
  maxBytes?: number;
}

export interface BundleProblem {
  /** where in the bundle, e.g. "seals/3/entries/2" or "origins/<id>" */
  where: string;
  code: string;
  detail: string;
}

export interface BundleVerification {
  ok: boolean;
  /** "pinned": the CA is one given in trustedCa; "bundle": the bundle's own CA was taken as it is */
  trust: 'pinned' | 'bundle';
  problems: BundleProblem[];
  hub?: string;
  seals: number;
  entries: number;
  firstSeq?: number;
  /** `<seq>:<hash>` of the last entry, comparable with `wasla audit verify` */
  head?: string;
  origins: { verified: number; missing: string[] };
}

class Problems {
  readonly list: BundleProblem[] = [];
  add(where: string, code: string, detail: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ where, code, detail });
  }
  get count(): number {
    return this.list.length;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SERIAL_RE = /^([0-9a-f]{2}){1,32}$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function exactKeys(p: Problems, where: string, v: unknown, keys: readonly string[]): v is Record<string, unknown> {
  if (!isObj(v)) {
    p.add(where, 'bundle-malformed', 'must be an object');
    return false;
  }
  const have = Object.keys(v);
  const extra = have.filter((k) => !keys.includes(k));
  const missing = keys.filter((k) => !(k in v));
  if (extra.length || missing.length) {
    p.add(where, 'bundle-malformed', [extra.length ? `unknown ${extra.slice(0, 5).join(', ')}` : '', missing.length ? `missing ${missing.join(', ')}` : ''].filter(Boolean).join('; '));
    return false;
  }
  return true;
}

function canonicalBase64(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length < 2048 && /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').toString('base64') === v;
}

function signatureShape(p: Problems, where: string, v: unknown): v is SignatureValue {
  if (!exactKeys(p, where, v, ['keyid', 'alg', 'value'])) return false;
  if (typeof v.keyid !== 'string' || !SERIAL_RE.test(v.keyid) || normalizeSerial(v.keyid) !== v.keyid) p.add(where, 'bundle-malformed', 'keyid must be a certificate serial in lowercase hex');
  else if (!BUNDLE_ALGORITHMS.includes(v.alg as SignatureAlgorithm)) p.add(where, 'bundle-malformed', `alg must be one of ${BUNDLE_ALGORITHMS.join(', ')}`);
  else if (!canonicalBase64(v.value)) p.add(where, 'bundle-malformed', 'value must be canonical base64');
  else return true;
  return false;
}

function fingerprintOf(caOrPem: string): string {
  const hex = caOrPem.replace(/:/g, '').toLowerCase();
  if (HEX64.test(hex)) return hex;
  return importCa(caOrPem).fingerprint;
}

interface Signers {
  bySerial: Map<string, ParsedCertificate>;
  anchors: CertificateAuthority[];
  revoked: (serial: string, at: Date) => boolean;
}

function checkSignature(p: Problems, where: string, signers: Signers, sig: SignatureValue, bytes: Buffer, at: Date): void {
  const cert = signers.bySerial.get(sig.keyid);
  if (!cert) {
    p.add(where, 'signature-key-unknown', `no hub certificate of the bundle has serial ${sig.keyid}`);
    return;
  }
  const value = Buffer.from(sig.value, 'base64');
  if (!keyFitsAlgorithm(cert.publicKey, sig.alg)) {
    p.add(where, 'signature-invalid', `the key of certificate ${sig.keyid} cannot make ${sig.alg} signatures`);
    return;
  }
  if (isHighS(sig.alg, value)) {
    p.add(where, 'signature-invalid', 'an ECDSA signature must be in low-s form');
    return;
  }
  if (!verifyBytes(sig.alg, cert.publicKey, bytes, value)) {
    p.add(where, 'signature-invalid', `the signature does not verify with certificate ${sig.keyid}`);
    return;
  }
  try {
    checkStatus(cert, findIssuer(cert, signers.anchors), { now: at, isRevoked: (s) => signers.revoked(s, at) });
  } catch (e) {
    if (isTrustError(e)) {
      p.add(where, 'signature-certificate-invalid', `${e.message} (at ${at.toISOString()}, when it signed)`);
      return;
    }
    throw e;
  }
}

function readText(p: Problems, input: string | Uint8Array, maxBytes: number): string | undefined {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    p.add('', 'bundle-too-large', `${size} bytes, more than the ${maxBytes} allowed`);
    return undefined;
  }
  if (typeof input === 'string') {
    // a lone surrogate has no UTF-8 form: the bytes on disk could not be these
    if (LONE_SURROGATE.test(input)) {
      p.add('', 'bundle-unreadable', 'the text is not well-formed Unicode');
      return undefined;
    }
    return input;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  } catch {
    p.add('', 'bundle-unreadable', 'the bytes are not UTF-8');
    return undefined;
  }
}

function entryShape(p: Problems, where: string, e: unknown): e is BundleEntry {
  if (!exactKeys(p, where, e, ['seq', 'at', 'actor', 'action', 'subject', 'data'])) return false;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) p.add(where, 'bundle-malformed', 'seq must be a positive integer');
  else if (!isIsoInstant(e.at)) p.add(where, 'bundle-malformed', 'at must be an ISO 8601 UTC instant with milliseconds');
  else if (typeof e.actor !== 'string' || typeof e.action !== 'string') p.add(where, 'bundle-malformed', 'actor and action must be strings');
  else if (e.subject !== null && typeof e.subject !== 'string') p.add(where, 'bundle-malformed', 'subject must be a string or null');
  else return true;
  return false;
}

/** Verifies a bundle as written by buildAuditBundle; see the module comment for what is checked. */
export async function verifyAuditBundle(input: string | Uint8Array, opts: VerifyBundleOptions = {}): Promise<BundleVerification> {
  const p = new Problems();
  const result = (extra: Partial<BundleVerification> = {}): BundleVerification => ({
    ok: p.count === 0,
    trust: opts.trustedCa?.length ? 'pinned' : 'bundle',
    problems: p.list,
    seals: 0,
    entries: 0,
    origins: { verified: 0, missing: [] },
    ...extra,
  });

  // 1. one spelling: the bytes must be the canonical serialisation of what they parse to
  const text = readText(p, input, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  if (text === undefined) return result();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    p.add('', 'bundle-unreadable', 'not JSON');
    return result();
  }
  if (canonicalJson(doc) !== text) {
    p.add('', 'bundle-not-canonical', 'the bytes are not the canonical JSON of the bundle (changed, reformatted or with a duplicate member)');
    return result();
  }

  // 2. shape
  if (!exactKeys(p, '', doc, ['format', 'hub', 'createdAt', 'range', 'certificates', 'seals', 'origins', 'signature'])) return result();
  const b = doc as unknown as AuditBundle;
  if (b.format !== BUNDLE_FORMAT) p.add('format', 'bundle-malformed', `must be "${BUNDLE_FORMAT}"`);
  if (typeof b.hub !== 'string' || b.hub === '') p.add('hub', 'bundle-malformed', 'must name the hub');
  if (!isIsoInstant(b.createdAt)) p.add('createdAt', 'bundle-malformed', 'must be an ISO 8601 UTC instant with milliseconds');
  if (exactKeys(p, 'range', b.range, ['from', 'to'])) {
    for (const k of ['from', 'to'] as const) if (b.range[k] !== null && !isIsoInstant(b.range[k])) p.add(`range/${k}`, 'bundle-malformed', 'must be an instant or null');
  }
  const certsOk = exactKeys(p, 'certificates', b.certificates, ['ca', 'hub', 'institutions']);
  if (!Array.isArray(b.seals)) p.add('seals', 'bundle-malformed', 'must be a list');
  if (!isObj(b.origins)) p.add('origins', 'bundle-malformed', 'must be an object');
  signatureShape(p, 'signature', b.signature);
  if (!certsOk || p.count > 0) return result();

  // 3. trust: the CA, then the hub's certificates
  const anchors: CertificateAuthority[] = [];
  const pinned = opts.trustedCa?.length ? new Set(opts.trustedCa.map(fingerprintOf)) : undefined;
  (Array.isArray(b.certificates.ca) ? b.certificates.ca : [null]).forEach((pem, i) => {
    try {
      const ca = importCa(typeof pem === 'string' ? pem : '');
      if (ca.certPem !== pem) throw new Error('not in the canonical PEM form');
      if (!ca.x509.checkIssued(ca.x509) || !ca.x509.verify(ca.publicKey)) throw new Error('not a self-signed CA');
      if (!pinned || pinned.has(ca.fingerprint)) anchors.push(ca);
    } catch (e) {
      p.add(`certificates/ca/${i}`, 'ca-invalid', (e as Error).message);
    }
  });
  if (p.count > 0) return result();
  if (anchors.length === 0) {
    p.add('certificates/ca', 'ca-untrusted', pinned ? 'no CA of the bundle is one you trust' : 'the bundle carries no CA');
    return result();
  }
  const revokedInBundle = new Map<string, Date>();
  const institutionCerts = new Map<string, ParsedCertificate>();
  (Array.isArray(b.certificates.institutions) ? b.certificates.institutions : [null]).forEach((c, i) => {
    const where = `certificates/institutions/${i}`;
    if (!exactKeys(p, where, c, ['pem', 'revokedAt'])) return;
    try {
      const parsed = parseCertificate(String(c.pem));
      if (parsed.pem !== c.pem) throw new Error('not in the canonical PEM form');
      institutionCerts.set(parsed.serial, parsed);
      if (c.revokedAt !== null) {
        if (!isIsoInstant(c.revokedAt)) throw new Error('revokedAt must be an instant or null');
        revokedInBundle.set(parsed.serial, new Date(c.revokedAt));
      }
    } catch (e) {
      p.add(where, 'certificate-invalid', (e as Error).message);
    }
  });
  const revokedAt = (serial: string): Date | null => {
    const known = [revokedInBundle.get(serial), opts.revoked?.[serial]].filter((d): d is Date => d !== undefined);
    return known.length ? new Date(Math.min(...known.map((d) => d.getTime()))) : null;
  };
  const signers: Signers = {
    bySerial: new Map(),
    anchors,
    revoked: (serial, at) => {
      const r = revokedAt(serial);
      return r !== null && r.getTime() <= at.getTime();
    },
  };
  (Array.isArray(b.certificates.hub) ? b.certificates.hub : [null]).forEach((pem, i) => {
    try {
      const c = parseCertificate(typeof pem === 'string' ? pem : '');
      if (c.pem !== pem) throw new Error('not in the canonical PEM form');
      if (c.institutionId !== b.hub) throw new Error(`names ${c.institutionId}, not the hub ${b.hub}`);
      findIssuer(c, anchors);
      signers.bySerial.set(c.serial, c);
    } catch (e) {
      p.add(`certificates/hub/${i}`, 'hub-certificate-invalid', (e as Error).message);
    }
  });
  if (p.count > 0) return result();

  // 4. the bundle's own signature: nothing of it can change without this failing
  checkSignature(p, 'signature', signers, b.signature, bundleBytes(b), new Date(b.createdAt));

  // 5. the seals and the chain
  let entries = 0;
  let prev: { seal: number; next: number; head: string } | undefined;
  const accepted = new Map<string, BundleEntry>();
  const heads = new Map<number, string>();
  b.seals.forEach((s, i) => {
    const where = `seals/${i}`;
    if (!exactKeys(p, where, s, ['seal', 'firstSeq', 'prevHash', 'headHash', 'sealedAt', 'entries', 'signature'])) return;
    if (!Number.isSafeInteger(s.seal) || s.seal < 1 || !Number.isSafeInteger(s.firstSeq) || s.firstSeq < 1) {
      p.add(where, 'bundle-malformed', 'seal and firstSeq must be positive integers');
      return;
    }
    if (!HEX64.test(String(s.prevHash)) || !HEX64.test(String(s.headHash))) {
      p.add(where, 'bundle-malformed', 'prevHash and headHash must be lowercase hex SHA-256');
      return;
    }
    if (!isIsoInstant(s.sealedAt)) {
      p.add(where, 'bundle-malformed', 'sealedAt must be an ISO 8601 UTC instant with milliseconds');
      return;
    }
    if (!Array.isArray(s.entries) || s.entries.length === 0) {
      p.add(where, 'bundle-malformed', 'a seal holds at least one entry');
      return;
    }
    if (!signatureShape(p, `${where}/signature`, s.signature)) return;
    if (prev) {
      if (s.seal !== prev.seal + 1) p.add(where, 'seal-discontinuous', `seal ${s.seal} follows seal ${prev.seal}`);
      if (s.firstSeq !== prev.next) p.add(where, 'seal-discontinuous', `its first entry is ${s.firstSeq}, the chain is at ${prev.next}`);
      if (s.prevHash !== prev.head) p.add(where, 'seal-discontinuous', 'it does not continue from the head of the seal before it');
    }
    let hash = s.prevHash;
    s.entries.forEach((e, j) => {
      const ew = `${where}/entries/${j}`;
      if (!entryShape(p, ew, e)) return;
      if (e.seq !== s.firstSeq + j) p.add(ew, 'seal-discontinuous', `entry ${e.seq} where ${s.firstSeq + j} belongs`);
      hash = entryHash(hash, { seq: e.seq, at: new Date(e.at), actor: e.actor, action: e.action, subject: e.subject, data: e.data });
      heads.set(e.seq, hash);
      if (e.action === 'message.accepted' && typeof e.subject === 'string') accepted.set(e.subject, e);
    });
    entries += s.entries.length;
    if (hash !== s.headHash) p.add(where, 'seal-hash-mismatch', `its entries do not hash to its head: an entry was changed, added or removed`);
    const statement: SealStatement = { hub: b.hub, seal: s.seal, firstSeq: s.firstSeq, count: s.entries.length, prevHash: s.prevHash, headHash: s.headHash, sealedAt: s.sealedAt };
    checkSignature(p, `${where}/signature`, signers, s.signature, sealStatementBytes(statement), new Date(s.sealedAt));
    prev = { seal: s.seal, next: s.firstSeq + s.entries.length, head: s.headHash };
  });

  // 6. evidence of origin, against the sealed entry of its message
  let verified = 0;
  for (const [id, evidence] of Object.entries(b.origins)) {
    const where = `origins/${id}`;
    const entry = accepted.get(id);
    if (!entry) {
      p.add(where, 'origin-without-entry', 'no message.accepted entry of the bundle is for this message');
      continue;
    }
    try {
      const e = readOriginEvidence(evidence);
      const data = isObj(entry.data) ? entry.data : {};
      if (e.institution !== entry.actor) throw new OriginError('origin-certificate-mismatch', `the evidence names ${e.institution}, the log entry ${entry.actor}`);
      if (data.bodySha256 !== undefined && data.bodySha256 !== e.bodySha256) throw new OriginError('origin-digest-mismatch', 'the evidence and the log entry name different bodies');
      if (Date.parse(e.receivedAt) > Date.parse(entry.at)) throw new OriginError('origin-evidence-malformed', 'received after its own log entry was written');
      const cert = institutionCerts.get(e.certificate);
      if (!cert) throw new OriginError('origin-certificate-mismatch', `the bundle does not carry certificate ${e.certificate}`);
      await verifyOrigin(e, cert.pem, { ca: anchors, revokedAt: revokedAt(cert.serial), at: new Date(entry.at) });
      verified++;
    } catch (err) {
      if (!(err instanceof OriginError)) throw err;
      p.add(where, err.code, err.message);
    }
  }
  const missing = [...accepted.keys()].filter((id) => !(id in b.origins));

  // 7. a head recorded elsewhere
  const lastSeq = prev ? prev.next - 1 : undefined;
  if (opts.expectHead !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(opts.expectHead);
    if (!m) p.add('', 'expected-head-malformed', 'expected <seq>:<64 hex digits>');
    else if (heads.get(Number(m[1])) !== m[2]) p.add('', 'expected-head-missing', `the bundle does not reach entry ${m[1]} with hash ${m[2].slice(0, 12)}…`);
  }

  return result({
    hub: b.hub,
    seals: b.seals.length,
    entries,
    ...(b.seals[0] && Number.isSafeInteger(b.seals[0].firstSeq) ? { firstSeq: b.seals[0].firstSeq } : {}),
    ...(lastSeq !== undefined && heads.has(lastSeq) ? { head: `${lastSeq}:${heads.get(lastSeq)}` } : {}),
    origins: { verified, missing },
  });
}

/** SHA-256 of a bundle's bytes, hex: a short name for it in a ticket or a letter. */
export function bundleFingerprint(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
