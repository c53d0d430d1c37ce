/**
 * The RFC 9421 §3.3 signature algorithms, on node:crypto (the hot path; node-forge is ~80x slower
 * for RSA, see docs/trust.md).
 *
 * Guarantees: each algorithm is used only with a key of the matching type (an RSA key never
 * verifies an `ed25519` signature, a secret never verifies a public-key algorithm) — mixing is
 * the classic algorithm-confusion hole RFC 9421 §7.3.6 warns about; HMAC comparison is constant
 * time; ECDSA signatures are the raw 64-byte r||s of §3.3.4, not DER.
 */
import { derToP1363, p1363ToDer } from './ecdsa-encoding.js';
import { constants, createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export const SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'] as const;

export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export function isSignatureAlgorithm(s: unknown): s is SignatureAlgorithm {
  return typeof s === 'string' && (SIGNATURE_ALGORITHMS as readonly string[]).includes(s);
}

/** Accepts a KeyObject, a PEM string, or (for HMAC) raw secret bytes. */
export type KeyInput = KeyObject | string | Uint8Array;

// Parsing a PEM costs far more than signing with the key (~0.6 ms against ~0.03 ms for ed25519),
// and callers pass the same PEM on every request: parsed keys are kept, a bounded number of them.
const parsed = new Map<string, KeyObject>();
function cachedKey(pem: string, kind: 'private' | 'public', make: (pem: string) => KeyObject): KeyObject {
  const id = kind + pem;
  let k = parsed.get(id);
  if (!k) {
    k = make(pem);
    if (parsed.size >= 256) parsed.delete(parsed.keys().next().value!);
    parsed.set(id, k);
  }
  return k;
}

export function toPrivateKey(key: KeyInput): KeyObject {
  if (typeof key === 'string') return cachedKey(key, 'private', createPrivateKey);
  if (key instanceof Uint8Array) return createSecretKey(key);
  return key;
}

export function toPublicKey(key: KeyInput): KeyObject {
  if (typeof key === 'string') return cachedKey(key, 'public', createPublicKey);
  if (key instanceof Uint8Array) return createSecretKey(key);
  // a private KeyObject carries its public half; node accepts it for verify, but normalise anyway
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** Whether `key` may be used with `alg` (RFC 9421 §3.3: each algorithm names its key type). */
export function keyFitsAlgorithm(key: KeyObject, alg: SignatureAlgorithm): boolean {
  switch (alg) {
    case 'hmac-sha256':
      return key.type === 'secret';
    case 'ed25519':
      return key.asymmetricKeyType === 'ed25519';
    case 'ecdsa-p256-sha256':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    case 'rsa-pss-sha512':
      return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss';
    case 'rsa-v1_5-sha256':
      // an id-RSASSA-PSS key is restricted to PSS by its own algorithm identifier (RFC 4055 §1.2)
      return key.asymmetricKeyType === 'rsa';
  }
}

/**
 * The algorithm a key implies when neither the `alg` parameter nor the key registry names one
 * (RFC 9421 §3.2 step 6 lets the verifier derive it from key material). Plain RSA keys serve two
 * algorithms, so they imply none.
 */
export function impliedAlgorithm(key: KeyObject): SignatureAlgorithm | undefined {
  if (key.type === 'secret') return 'hmac-sha256';
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ecdsa-p256-sha256' : undefined;
    case 'rsa-pss':
      return 'rsa-pss-sha512';
    default:
      return undefined;
  }
}

/**
 * The algorithm a signer uses with `key`: the one it implies, and RSA-PSS for a plain RSA key
 * (RFC 9421 §3.3.1; v1.5 stays available to callers who name it).
 */
export function signingAlgorithmOf(key: KeyObject): SignatureAlgorithm {
  const implied = impliedAlgorithm(key);
  if (implied) return implied;
  if (key.asymmetricKeyType === 'rsa') return 'rsa-pss-sha512';
  throw new TypeError(`no signature algorithm of RFC 9421 fits a ${key.asymmetricKeyType ?? key.type} key`);
}

export function signBytes(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array): Buffer {
  switch (alg) {
    case 'ed25519':
      return cryptoSign(null, data, key);
    case 'ecdsa-p256-sha256':
      // §3.3.4: r and s as 32-byte big-endian integers, concatenated; a bare key (ecdsa-encoding.ts)
      return derToP1363(cryptoSign('sha256', data, key));
    case 'rsa-pss-sha512':
      // §3.3.1: SHA-512, MGF1 with SHA-512, salt length 64
      return cryptoSign('sha512', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
    case 'rsa-v1_5-sha256':
      return cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'hmac-sha256':
      return createHmac('sha256', key).update(data).digest();
  }
}

export function verifyBytes(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (alg) {
      case 'ed25519':
        return cryptoVerify(null, data, key, signature);
      case 'ecdsa-p256-sha256':
        if (signature.length !== 64) return false;
        return cryptoVerify('sha256', data, key, p1363ToDer(signature));
      case 'rsa-pss-sha512':
        return cryptoVerify('sha512', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature);
      case 'rsa-v1_5-sha256':
        return cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'hmac-sha256': {
        const mac = createHmac('sha256', key).update(data).digest();
        return signature.length === mac.length && timingSafeEqual(mac, signature);
      }
    }
  } catch {
    // node throws on some malformed inputs (wrong length for the key, bad padding): a failed check
    return false;
  }
}

// order n of the P-256 group (SEC 2 §2.4.2)
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/**
 * A stable fingerprint of a signature for replay detection. ECDSA signatures are malleable: if
 * (r, s) verifies, so does (r, n - s), which would slip past a guard that hashed raw bytes. We hash
 * the low-s form. The other algorithms here are not malleable (Ed25519 verification rejects
 * non-canonical S, RFC 8032 §5.1.7; RSA signatures must be < n; HMAC is deterministic).
 */
export function signatureFingerprint(alg: SignatureAlgorithm, signature: Uint8Array): string {
  let bytes = Buffer.from(signature);
  if (alg === 'ecdsa-p256-sha256' && bytes.length === 64) {
    const s = BigInt('0x' + bytes.subarray(32).toString('hex'));
    if (s > P256_N / 2n) {
      const low = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
      bytes = Buffer.concat([bytes.subarray(0, 32), low]);
    }
  }
  return createHash('sha256').update(bytes).digest('hex');
}
