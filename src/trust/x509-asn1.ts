/**
 * The ASN.1 (DER) the PKI needs that node-forge's high-level API cannot produce: a leaf
 * certificate for ANY public key node:crypto holds (forge's `pki.Certificate` only embeds RSA
 * keys, so Ed25519 and EC P-256 institution keys would be impossible), and PKCS#10 requests for
 * such keys. Built with forge.asn1, signed by the CA with forge's RSA (PKCS#1 v1.5, SHA-256).
 *
 * Guarantees: the TBSCertificate follows RFC 5280 §4.1 (v3, UTCTime before 2050 and
 * GeneralizedTime after, §4.1.2.5); the subject public key info is copied byte for byte from
 * node:crypto's SPKI export; the issuer name is copied byte for byte from the CA certificate,
 * so name chaining never depends on re-encoding; the CSR signature is checked before its key is
 * used (proof of possession, RFC 2986 §3).
 */
import { createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export const OID = {
  commonName: '2.5.4.3',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ed25519: '1.3.101.112',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const U = asn1.Class.UNIVERSAL;
const C = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

const bin = (b: Uint8Array): string => Buffer.from(b).toString('binary');
const buf = (s: string): Buffer => Buffer.from(s, 'binary');

export const seq = (...items: Asn1[]): Asn1 => asn1.create(U, T.SEQUENCE, true, items);
const set = (...items: Asn1[]): Asn1 => asn1.create(U, T.SET, true, items);
const oid = (o: string): Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
const octets = (s: string): Asn1 => asn1.create(U, T.OCTETSTRING, false, s);
const bitString = (s: string): Asn1 => asn1.create(U, T.BITSTRING, false, '\x00' + s);
const bool = (v: boolean): Asn1 => asn1.create(U, T.BOOLEAN, false, v ? '\xff' : '\x00');
const nul = (): Asn1 => asn1.create(U, T.NULL, false, '');

/** Parses DER without letting forge reinterpret BIT STRING contents, so re-encoding is exact. */
export function fromDer(der: Uint8Array): Asn1 {
  return (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(bin(der), { strict: true, decodeBitStrings: false });
}

export function toDer(node: Asn1): Buffer {
  return buf(asn1.toDer(node).getBytes());
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 */
function time(d: Date): Asn1 {
  return d.getUTCFullYear() < 2050 ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d)) : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

export function nameWithCommonName(cn: string): Asn1 {
  return seq(set(seq(oid(OID.commonName), asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(cn)))));
}

function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(asn1.toDer(value).getBytes()));
}

/** The parts of a certificate's DER: TBS, its issuer/subject/SPKI nodes. */
export function certificateParts(der: Uint8Array): { tbs: Asn1; subject: Asn1; spki: Asn1 } {
  const cert = fromDer(der);
  const tbs = (cert.value as Asn1[])[0];
  const fields = tbs.value as Asn1[];
  // version is an explicit [0] and optional (RFC 5280 §4.1)
  const off = fields[0].tagClass === C && fields[0].type === 0 ? 1 : 0;
  return { tbs, subject: fields[off + 4], spki: fields[off + 5] };
}

/** RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 over the subjectPublicKey bits. */
export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  const spki = fromDer(spkiDer);
  const bits = buf((spki.value as Asn1[])[1].value as string).subarray(1);
  const md = forge.md.sha256.create();
  md.update(bin(bits));
  return buf(md.digest().getBytes()).subarray(0, 20);
}

export interface LeafTemplate {
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  subjectCommonName: string;
  subjectAltNameUri: string;
  /** DER SubjectPublicKeyInfo of the subject key */
  spkiDer: Buffer;
  /** DER Name of the issuer (copied from the CA certificate) */
  issuerNameDer: Buffer;
  /** the CA's subject key identifier, for the authority key identifier extension */
  issuerKeyId?: Buffer;
}

/** Builds and signs an end-entity certificate; returns its DER. */
export function buildLeafCertificate(t: LeafTemplate, caKey: forge.pki.rsa.PrivateKey): Buffer {
  const serialBytes = Buffer.from(t.serialHex, 'hex');
  // INTEGER is signed: a leading byte >= 0x80 needs a 0x00 in front to stay positive (X.690 §8.3)
  const serialDer = serialBytes[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), serialBytes]) : serialBytes;
  const sigAlg = seq(oid(OID.sha256WithRSAEncryption), nul());
  const extensions = [
    extension(OID.basicConstraints, true, seq()), // cA FALSE (the default, so an empty sequence)
    // digitalSignature only: institutions sign HTTP messages, never certificates (RFC 5280 §4.2.1.3)
    extension(OID.keyUsage, true, asn1.create(U, T.BITSTRING, false, '\x07\x80')),
    extension(OID.extKeyUsage, false, seq(oid(OID.clientAuth))),
    extension(OID.subjectAltName, false, seq(asn1.create(C, 6, false, t.subjectAltNameUri))),
    extension(OID.subjectKeyIdentifier, false, octets(bin(keyIdentifier(t.spkiDer)))),
  ];
  if (t.issuerKeyId) {
    extensions.push(extension(OID.authorityKeyIdentifier, false, seq(asn1.create(C, 0, false, bin(t.issuerKeyId)))));
  }
  const tbs = seq(
    asn1.create(C, 0, true, [asn1.create(U, T.INTEGER, false, asn1.integerToDer(2).getBytes())]),
    asn1.create(U, T.INTEGER, false, bin(serialDer)),
    sigAlg,
    fromDer(t.issuerNameDer),
    seq(time(t.notBefore), time(t.notAfter)),
    nameWithCommonName(t.subjectCommonName),
    fromDer(t.spkiDer),
    asn1.create(C, 3, true, [seq(...extensions)]),
  );
  const tbsDer = asn1.toDer(tbs).getBytes();
  const md = forge.md.sha256.create();
  md.update(tbsDer);
  const signature = caKey.sign(md);
  return toDer(seq(tbs, seq(oid(OID.sha256WithRSAEncryption), nul()), bitString(signature)));
}

function signatureAlgorithmFor(key: KeyObject): { alg: Asn1; sign: (data: Buffer) => Buffer } {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return { alg: seq(oid(OID.ed25519)), sign: (d) => cryptoSign(null, d, key) };
    case 'ec':
      return { alg: seq(oid(OID.ecdsaWithSHA256)), sign: (d) => cryptoSign('sha256', d, { key, dsaEncoding: 'der' }) };
    case 'rsa':
      return { alg: seq(oid(OID.sha256WithRSAEncryption), nul()), sign: (d) => cryptoSign('sha256', d, key) };
    default:
      throw new TypeError(`cannot build a certificate request for a ${key.asymmetricKeyType} key`);
  }
}

/** A PKCS#10 request (RFC 2986) for `privateKey`, subject CN = `commonName`; returns DER. */
export function buildCsr(privateKey: KeyObject, commonName: string): Buffer {
  const spkiDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const info = seq(
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(0).getBytes()),
    nameWithCommonName(commonName),
    fromDer(spkiDer),
    asn1.create(C, 0, true, []), // attributes: none
  );
  const { alg, sign } = signatureAlgorithmFor(privateKey);
  const signature = sign(toDer(info));
  return toDer(seq(info, alg, bitString(bin(signature))));
}

export interface CsrContent {
  publicKey: KeyObject;
  commonName: string | undefined;
}

function commonNameOf(name: Asn1): string | undefined {
  for (const rdn of name.value as Asn1[]) {
    for (const atv of rdn.value as Asn1[]) {
      const [type, value] = atv.value as Asn1[];
      if (asn1.derToOid(type.value as string) === OID.commonName) return forge.util.decodeUtf8(value.value as string);
    }
  }
  return undefined;
}

/** Reads a PKCS#10 request and checks its self-signature; throws Error on any fault. */
export function readCsr(der: Uint8Array): CsrContent {
  const csr = fromDer(der);
  const [info, algId, sigBits] = csr.value as Asn1[];
  const [, subject, spki] = info.value as Asn1[];
  const publicKey = createPublicKey({ key: toDer(spki), format: 'der', type: 'spki' });
  const algOid = asn1.derToOid((algId.value as Asn1[])[0].value as string);
  const signature = buf(sigBits.value as string).subarray(1);
  const data = toDer(info);
  let ok: boolean;
  if (algOid === OID.ed25519 && publicKey.asymmetricKeyType === 'ed25519') ok = cryptoVerify(null, data, publicKey, signature);
  else if (algOid === OID.ecdsaWithSHA256 && publicKey.asymmetricKeyType === 'ec') {
    ok = cryptoVerify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } else if (algOid === OID.sha256WithRSAEncryption && publicKey.asymmetricKeyType === 'rsa') {
    ok = cryptoVerify('sha256', data, publicKey, signature);
  } else throw new Error(`unsupported CSR signature algorithm ${algOid} for a ${publicKey.asymmetricKeyType} key`);
  if (!ok) throw new Error('the CSR signature does not verify (no proof of possession)');
  return { publicKey, commonName: commonNameOf(subject) };
}
