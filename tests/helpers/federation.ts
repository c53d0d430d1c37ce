/**
 * A test federation made at run time (keys are never committed): a CA, the hub's certificate, and
 * an ed25519 key and certificate for every institution of the demo contract set, plus one for an
 * outsider (`xx.nobody`) whose certificate chains to the CA but who is no member. Tests sign their
 * requests with these keys exactly as an institution would.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, issueToDir, loadCa, registerCertificate, REQUEST_COMPONENTS, signPlainRequest } from '../../src/trust/index.js';
import { issueOperatorCertificate, type Role } from '../../src/record/index.js';
import { institutionIds } from './contracts.js';

export interface TestKey {
  institutionId: string;
  keyPem: string;
  key: KeyObject;
  serial: string;
  certPem: string;
}

export interface TestFederation {
  pkiDir: string;
  caCertPem: string;
  hubCertPem: string;
  keys: Map<string, TestKey>;
  /** enroll one more key for an institution (rotation, or a certificate to revoke) */
  enroll(institutionId: string, opts?: { validityDays?: number }): TestKey;
  /** an operator certificate of the hub's institution with a role (issue 26) */
  enrollOperator(role: Role, operatorId: string): TestKey;
}

/** the demo's institution of kind hub: its people are the hub's operators */
export const OPERATOR_INSTITUTION = 'ps.hjc.wasla-operations';
/** the operator the shared federation's OPERATOR_INSTITUTION key belongs to, and their role */
export const DUTY_OPERATOR = { id: 'duty', role: 'operator' as Role };

export const OUTSIDER = 'xx.nobody';

export function createTestFederation(ids: string[] = [...institutionIds(), OUTSIDER]): TestFederation {
  const pkiDir = mkdtempSync(join(tmpdir(), 'wasla-pki-'));
  const { caCertPem } = initCa(pkiDir, { commonName: 'Wasla Test Federation CA' });
  const keys = new Map<string, TestKey>();
  const enroll = (institutionId: string, opts: { validityDays?: number } = {}): TestKey => {
    const e = issueToDir(pkiDir, { institutionId, keyType: 'ed25519', validityDays: opts.validityDays });
    const k = { institutionId, keyPem: e.keyPem!, key: createPrivateKey(e.keyPem!), serial: e.serial, certPem: e.certPem };
    return k;
  };
  const enrollOperator = (role: Role, operatorId: string): TestKey => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const c = issueOperatorCertificate({
      ca: loadCa(pkiDir),
      institutionId: OPERATOR_INSTITUTION,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      validityDays: 30,
      operatorId,
      role,
    });
    registerCertificate(pkiDir, c.certPem);
    return { institutionId: OPERATOR_INSTITUTION, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), key: privateKey, serial: c.serial, certPem: c.certPem };
  };
  // the operations institution signs as its duty operator: since issue 26 a role-less certificate of the hub's institution is no operator's
  for (const id of ids) keys.set(id, id === OPERATOR_INSTITUTION ? enrollOperator(DUTY_OPERATOR.role, DUTY_OPERATOR.id) : enroll(id));
  return { pkiDir, caCertPem, hubCertPem: readFileSync(join(pkiDir, 'hub.cert.pem'), 'utf8'), keys, enroll, enrollOperator };
}

let shared: TestFederation | undefined;

/** one federation per test process (creating a CA takes a moment) */
export function sharedFederation(): TestFederation {
  return (shared ??= createTestFederation());
}

const BODYLESS = ['@method', '@target-uri', 'content-digest'];

/** fetch, signed as `sender` with its key (unsigned when the federation has no key for it) */
export async function signedFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, sender: string, fed = sharedFederation(), key?: TestKey): Promise<Response> {
  const method = init.method ?? 'GET';
  const k = key ?? fed.keys.get(sender);
  let headers = { ...(init.headers ?? {}) };
  if (k) {
    const body = Buffer.from(init.body ?? '');
    headers = signPlainRequest(
      { method, url, headers, body },
      {
        key: k.key,
        keyid: k.serial,
        alg: 'ed25519',
        nonce: randomUUID(),
        components: headers['content-type'] !== undefined ? [...REQUEST_COMPONENTS] : BODYLESS,
      },
    ).headers;
  }
  return fetch(url, { method, headers, body: init.body });
}
