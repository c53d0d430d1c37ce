/** Test support: one key pair per algorithm, generated at run time (no key material in the repository). */
import { createPublicKey, generateKeyPairSync, randomBytes, createSecretKey, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../../../src/trust/index.js';

export interface TestKey {
  alg: SignatureAlgorithm;
  priv: KeyObject;
  pub: KeyObject;
}

let cache: Record<SignatureAlgorithm, TestKey> | undefined;

export function testKeys(): Record<SignatureAlgorithm, TestKey> {
  if (cache) return cache;
  const pair = (alg: SignatureAlgorithm, k: { privateKey: KeyObject; publicKey: KeyObject }): TestKey => ({ alg, priv: k.privateKey, pub: k.publicKey });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secret = createSecretKey(randomBytes(64));
  cache = {
    ed25519: pair('ed25519', generateKeyPairSync('ed25519')),
    'ecdsa-p256-sha256': pair('ecdsa-p256-sha256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })),
    'rsa-pss-sha512': pair('rsa-pss-sha512', rsa),
    'rsa-v1_5-sha256': { alg: 'rsa-v1_5-sha256', priv: rsa.privateKey, pub: createPublicKey(rsa.privateKey) },
    'hmac-sha256': { alg: 'hmac-sha256', priv: secret, pub: secret },
  };
  return cache;
}
