/**
 * The demo's own federation PKI, made fresh at every run in the hub's PKI directory (keys are never
 * committed): a federation CA, the hub's signing certificate, and an ed25519 key and certificate
 * for every institution, as `wasla institution enroll <id>` would issue them. The demo signs each
 * institution's requests with its key (RFC 9421), and each receiver verifies the hub's signature on
 * a delivery and answers with a receipt signed by its own key.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ensureHubCertificate, initCa, issueToDir } from '../../src/trust/index.js';

export interface InstitutionKey {
  institutionId: string;
  key: KeyObject;
  /** the certificate serial (lowercase hex): the `keyid` of every signature made with the key */
  serial: string;
}

export interface DemoFederation {
  pkiDir: string;
  caCertPem: string;
  hubCertPem: string;
  keys: Map<string, InstitutionKey>;
}

export function createDemoFederation(pkiDir: string, institutionIds: string[]): DemoFederation {
  const { caCertPem } = initCa(pkiDir, { commonName: 'Wasla Demo Federation CA' });
  const hub = ensureHubCertificate(pkiDir);
  const keys = new Map<string, InstitutionKey>();
  for (const institutionId of institutionIds) {
    const e = issueToDir(pkiDir, { institutionId, keyType: 'ed25519' });
    keys.set(institutionId, { institutionId, key: createPrivateKey(e.keyPem!), serial: e.serial });
  }
  return { pkiDir, caCertPem, hubCertPem: hub.certPem, keys };
}
