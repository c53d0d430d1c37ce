/**
 * Operator roles (issue 26, item 6): the permission table, and the role carried by an operator's
 * certificate.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { RoleError } from '../../../src/record/errors.js';
import { issueOperatorCertificate, oidContent, OPERATOR_ROLE_OID, readOperator } from '../../../src/record/operator-cert.js';
import { ACTIONS, actionsOf, may, ROLES, type Action, type Role } from '../../../src/record/roles.js';
import { createCa, enroll, generateInstitutionKey, parseCertificate, verifyChain, type CaMaterial } from '../../../src/trust/index.js';
import { fromDer, toDer } from '../../../src/trust/x509-asn1.js';

const OPS = 'ps.hjc.wasla-operations';

describe('may(role, action)', () => {
  it('an auditor cannot replay or edit anything: every action it may do changes nothing', () => {
    expect(may('auditor', 'deliveries.replay')).toBe(false);
    expect(may('auditor', 'contracts.reload')).toBe(false);
    expect(may('auditor', 'certificates.revoke')).toBe(false);
    expect(may('auditor', 'audit.read')).toBe(true);
    expect(may('auditor', 'audit.export')).toBe(true);
    expect(may('auditor', 'reports.read')).toBe(true);
    expect(actionsOf('auditor').filter((a) => ACTIONS[a].changes)).toEqual([]);
  });

  it('an operator handles deliveries and replays, and cannot change contracts or certificates', () => {
    expect(may('operator', 'deliveries.replay')).toBe(true);
    expect(may('operator', 'deliveries.read')).toBe(true);
    for (const a of ['contracts.reload', 'certificates.enroll', 'certificates.register', 'certificates.revoke', 'payload-keys.rotate', 'retention.run', 'legal-hold.set', 'audit.export'] as Action[]) {
      expect([a, may('operator', a)]).toEqual([a, false]);
    }
  });

  it('an admin changes contracts and certificates, and replays', () => {
    for (const a of ['contracts.reload', 'certificates.enroll', 'certificates.revoke', 'deliveries.replay'] as Action[]) expect(may('admin', a)).toBe(true);
  });

  it('denies by default: no role, an unknown role, an unknown action', () => {
    expect(may(null, 'deliveries.read')).toBe(false);
    expect(may(undefined, 'audit.read')).toBe(false);
    expect(may('root' as Role, 'contracts.reload')).toBe(false);
    expect(may('admin', 'contracts.delete')).toBe(false);
    expect(may('admin', 'toString')).toBe(false);
  });

  it("every action is someone's, and only admins change what the federation agreed on", () => {
    for (const [name, rule] of Object.entries(ACTIONS)) {
      expect([name, rule.roles.length > 0]).toEqual([name, true]);
      expect(rule.roles.every((r) => (ROLES as readonly string[]).includes(r))).toBe(true);
    }
    const changes = (Object.keys(ACTIONS) as Action[]).filter((a) => ACTIONS[a].changes);
    expect(changes.filter((a) => !may('admin', a))).toEqual([]);
  });
});

describe('operator certificates', () => {
  let ca: CaMaterial;
  beforeAll(() => {
    ca = createCa({ commonName: 'Roles Test CA', validityDays: 365, keyBits: 2048 });
  });

  const issue = (role: Role, keyType: 'ed25519' | 'ec-p256' | 'rsa-2048' = 'ed25519', operatorId = 'layla.haddad') => {
    const { publicKey } = generateInstitutionKey(keyType);
    return issueOperatorCertificate({ ca, institutionId: OPS, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, validityDays: 90, operatorId, role });
  };

  it.each(ROLES)('carries the role %s and the person, and stays a valid institution certificate of the CA', (role) => {
    const c = issue(role);
    expect(readOperator(c.certPem)).toEqual({ institutionId: OPS, operatorId: 'layla.haddad', role });
    const parsed = verifyChain(c.certPem, ca.certPem);
    expect(parsed.institutionId).toBe(OPS);
    expect(parsed.serial).toBe(c.serial);
    expect(parsed.fingerprint).toBe(c.fingerprint);
  });

  it('an institution certificate names no operator', () => {
    const inst = enroll({ ca, institutionId: 'ps.hjc.court.ramallah', keyType: 'ed25519' });
    expect(readOperator(inst.certPem)).toBeNull();
  });

  it('writes the role extension as critical, under the 2.25 OID, as OpenSSL encodes it', () => {
    // `openssl asn1parse -genstr OID:<oid>` for the X.667 example UUID and for ours
    expect(oidContent('2.25.329800735698586629295641978511506172918').toString('hex')).toBe('6983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776');
    expect(oidContent(OPERATOR_ROLE_OID).toString('hex')).toBe('6981e9b88d909fa5faab878fb6cebfa8b5ae9635');
    // read back with a generic DER reader (node-forge's certificate reader refuses arcs this large;
    // `openssl x509 -text` shows "2.25.1551…: critical", and `openssl verify` refuses the certificate
    // with "unhandled critical extension", which is the point)
    const c = issue('auditor', 'ec-p256');
    const tbs = (fromDer(new X509Certificate(c.certPem).raw).value as forge.asn1.Asn1[])[0];
    const extWrap = (tbs.value as forge.asn1.Asn1[]).find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3)!;
    const exts = (extWrap.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
    const role = exts.find((e) => Buffer.from((e.value as forge.asn1.Asn1[])[0].value as string, 'binary').toString('hex') === '6981e9b88d909fa5faab878fb6cebfa8b5ae9635')!;
    const [, critical, value] = role.value as forge.asn1.Asn1[];
    expect(critical.type).toBe(forge.asn1.Type.BOOLEAN);
    expect(critical.value).toBe('\xff');
    expect(forge.asn1.fromDer(value.value as string).value).toBe('auditor');
    expect(new X509Certificate(c.certPem).subjectAltName).toBe(`URI:urn:wasla:institution:${OPS}, URI:urn:wasla:operator:layla.haddad`);
  });

  /** the certificate with its role extension rewritten by `edit`, re-signed by the CA */
  function tamper(pem: string, edit: (ext: forge.asn1.Asn1[]) => void): string {
    const cert = fromDer(new X509Certificate(pem).raw);
    const tbs = (cert.value as forge.asn1.Asn1[])[0];
    const extWrap = (tbs.value as forge.asn1.Asn1[]).find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3)!;
    const exts = (extWrap.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
    edit(exts);
    const md = forge.md.sha256.create();
    md.update(forge.asn1.toDer(tbs).getBytes());
    const sig = (forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey).sign(md);
    const der = toDer(
      forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
        tbs,
        (cert.value as forge.asn1.Asn1[])[1],
        forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.BITSTRING, false, '\x00' + sig),
      ]),
    );
    return new X509Certificate(der).toString();
  }
  const roleOid = oidContent(OPERATOR_ROLE_OID).toString('binary');
  const isRoleExt = (e: forge.asn1.Asn1) => (e.value as forge.asn1.Asn1[])[0].value === roleOid;

  function roleError(pem: string): string {
    try {
      readOperator(pem);
    } catch (e) {
      expect(e).toBeInstanceOf(RoleError);
      return (e as Error).message;
    }
    throw new Error('expected a RoleError');
  }

  it('refuses a role extension that is not critical, unknown, doubled or missing', () => {
    const c = issue('operator');
    const notCritical = tamper(c.certPem, (exts) => {
      const e = exts.find(isRoleExt)!;
      (e.value as forge.asn1.Asn1[]).splice(1, 1);
    });
    expect(parseCertificate(notCritical).institutionId).toBe(OPS);
    expect(roleError(notCritical)).toMatch(/not critical/);
    const unknown = tamper(c.certPem, (exts) => {
      const e = exts.find(isRoleExt)!;
      const v = e.value as forge.asn1.Asn1[];
      v[2] = forge.asn1.create(
        forge.asn1.Class.UNIVERSAL,
        forge.asn1.Type.OCTETSTRING,
        false,
        forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.UTF8, false, 'root')).getBytes(),
      );
    });
    expect(roleError(unknown)).toMatch(/unknown role/);
    const twice = tamper(c.certPem, (exts) => {
      exts.push(exts.find(isRoleExt)!);
    });
    expect(roleError(twice)).toMatch(/more than one role/);
    const none = tamper(c.certPem, (exts) => {
      exts.splice(exts.findIndex(isRoleExt), 1);
    });
    expect(roleError(none)).toMatch(/names an operator but no role/);
  });

  it('refuses to issue an unknown role or a malformed operator id', () => {
    expect(() => issue('root' as Role)).toThrow(RoleError);
    expect(() => issue('admin', 'ed25519', 'Layla Haddad')).toThrow(/operator id/);
  });
});
