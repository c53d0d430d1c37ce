/**
 * The federation PKI from the command line: `wasla ca init|import`, `wasla institution enroll`,
 * `wasla cert list|revoke`. Everything happens in the PKI directory (WASLA_PKI_DIR), which running
 * hubs read; a revocation also asks them to drop cached certificates at once. Private keys are
 * written with 0600 rights and never printed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { HUB_KEY_TYPES, loadConfig, type HubKeyType } from '../../config.js';
import { loadContracts } from '../../routing/index.js';
import { FileCertificateStore, importCaCertificate, initCa, issueToDir, loadCa, type EnrollKeyType } from '../../trust/index.js';
import { requestReload } from './reload.js';
import { generateKeyPairSync } from 'node:crypto';
import { isOperator } from '../../federation/index.js';
import { ROLES, issueOperatorCertificate, isRole } from '../../record/index.js';
import { registerCertificate } from '../../trust/index.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

export function register(program: Command): void {
  const ca = program.command('ca').description('the federation certificate authority');
  ca.command('init')
    .description('create the federation CA (RSA 3072) and the hub signing certificate in WASLA_PKI_DIR')
    .option('--cn <name>', 'the CA common name', 'Wasla Federation CA')
    .option('--days <n>', 'validity in days', '3650')
    .option('--hub-key-type <type>', 'the hub signing key: ed25519, ec-p256 or rsa-2048 (default $WASLA_HUB_KEY_TYPE, else ec-p256)')
    .action((o: { cn: string; days: string; hubKeyType?: string }) => {
      const cfg = loadConfig();
      const hubKeyType = (o.hubKeyType ?? cfg.hubKeyType) as HubKeyType;
      if (!HUB_KEY_TYPES.includes(hubKeyType)) throw new Error(`--hub-key-type: expected ${HUB_KEY_TYPES.slice(0, -1).join(', ')} or ${HUB_KEY_TYPES.at(-1)}, got "${hubKeyType}"`);
      const r = initCa(cfg.pkiDir, { commonName: o.cn, validityDays: Number(o.days), hubKeyType });
      const anchor = loadCa(cfg.pkiDir);
      out(`federation CA created in ${cfg.pkiDir}`);
      out(`  CA fingerprint (sha-256): ${anchor.fingerprint}  — publish it out of band`);
      out(`  hub signing certificate: serial ${r.hubSerial} (${hubKeyType})`);
      out(`  ca.key.pem is the CA private key (0600): move it offline once enrolment is done`);
    });
  ca.command('import <certFile>')
    .description('trust an existing (e.g. national) CA certificate; its key stays where it is')
    .action((file: string) => {
      const cfg = loadConfig();
      const c = importCaCertificate(cfg.pkiDir, readFileSync(file, 'utf8'));
      out(`CA ${c.subject} imported into ${cfg.pkiDir} (fingerprint ${c.fingerprint}); register certificates it issued with \`wasla cert register\`, and give the hub hub.key.pem and hub.cert.pem`);
    });

  const inst = program.command('institution').description('federation members');
  inst
    .command('enroll <id>')
    .description('issue an institution certificate: from its CSR (--csr), or — for test federations — with a new key pair written 0600 to --out')
    .option('--csr <file>', 'a PKCS#10 request whose subject CN is the institution id')
    .option('--key-type <type>', 'ed25519, ec-p256 or rsa-2048 (new key pair only)', 'ed25519')
    .option('--days <n>', 'validity in days', '825')
    .option('--out <dir>', 'where to write <id>.cert.pem (and <id>.key.pem)', '.')
    .action((id: string, o: { csr?: string; keyType: string; days: string; out: string }) => {
      const cfg = loadConfig();
      if (!loadContracts(cfg.contractsDir).institution(id)) throw new Error(`"${id}" is not an institution of the contract set in ${cfg.contractsDir}; add contracts/institutions/${id}.json first`);
      const e = issueToDir(cfg.pkiDir, { institutionId: id, csrPem: o.csr ? readFileSync(o.csr, 'utf8') : undefined, keyType: o.keyType as EnrollKeyType, validityDays: Number(o.days) });
      const dir = resolve(o.out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${id}.cert.pem`), e.certPem);
      out(`certificate for ${id}: ${join(dir, `${id}.cert.pem`)}`);
      if ('keyPem' in e && e.keyPem) {
        const keyFile = join(dir, `${id}.key.pem`);
        if (existsSync(keyFile)) throw new Error(`${keyFile} exists; not overwriting a private key`);
        writeFileSync(keyFile, e.keyPem, { mode: 0o600 });
        chmodSync(keyFile, 0o600);
        out(`private key (0600, hand it to the institution, keep no copy): ${keyFile}`);
      }
      out(`keyid (certificate serial) to sign with: ${e.serial}`);
      out(`valid until ${e.notAfter.toISOString()}`);
    });

  const operator = program.command('operator').description("the hub's operators: people with a role (issue 26)");
  operator
    .command('enroll <operatorId>')
    .description(
      "issue an operator certificate of the hub's institution with a role (admin, operator or auditor), in a critical extension; from the operator's CSR (--csr), or with a new key pair written 0600 to --out",
    )
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--csr <file>', "a PKCS#10 request whose subject CN is the hub's institution id")
    .option('--key-type <type>', 'ed25519, ec-p256 or rsa-2048 (new key pair only)', 'ed25519')
    .option('--days <n>', 'validity in days', '365')
    .option('--out <dir>', 'where to write <operatorId>.cert.pem (and <operatorId>.key.pem)', '.')
    .action((operatorId: string, o: { role: string; csr?: string; keyType: string; days: string; out: string }) => {
      const cfg = loadConfig();
      if (!isRole(o.role)) throw new Error(`--role: expected ${ROLES.join(', ')}, got "${o.role.slice(0, 40)}"`);
      const hubInstitution = [...loadContracts(cfg.contractsDir).institutions.values()].find((i) => isOperator(i));
      if (!hubInstitution) throw new Error(`the contract set in ${cfg.contractsDir} has no institution of kind "hub" for operators to belong to`);
      const keys = o.csr ? undefined : newKeyPair(o.keyType);
      const c = issueOperatorCertificate({
        ca: loadCa(cfg.pkiDir),
        institutionId: hubInstitution.id,
        ...(o.csr ? { csrPem: readFileSync(o.csr, 'utf8') } : { publicKeyPem: keys!.publicKeyPem }),
        validityDays: Number(o.days),
        operatorId,
        role: o.role,
      });
      registerCertificate(cfg.pkiDir, c.certPem);
      const dir = resolve(o.out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${operatorId}.cert.pem`), c.certPem);
      out(`operator certificate for ${operatorId} (${o.role}) of ${hubInstitution.id}: ${join(dir, `${operatorId}.cert.pem`)}`);
      if (keys) {
        const keyFile = join(dir, `${operatorId}.key.pem`);
        if (existsSync(keyFile)) throw new Error(`${keyFile} exists; not overwriting a private key`);
        writeFileSync(keyFile, keys.privateKeyPem, { mode: 0o600 });
        chmodSync(keyFile, 0o600);
        out(`private key (0600, hand it to the operator, keep no copy): ${keyFile}`);
      }
      out(`keyid (certificate serial) to sign with: ${c.serial}`);
    });

  const cert = program.command('cert').description('certificates in the PKI directory');
  cert
    .command('list')
    .description('every certificate: serial, institution, validity, revocation')
    .option('--institution <id>', 'only this institution')
    .action(async (o: { institution?: string }) => {
      const store = new FileCertificateStore(loadConfig().pkiDir);
      const rows = o.institution ? await store.listForInstitution(o.institution) : await store.list();
      const now = new Date();
      for (const r of rows.sort((a, b) => a.institutionId.localeCompare(b.institutionId) || a.notBefore.getTime() - b.notBefore.getTime())) {
        const status = r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : r.notAfter < now ? 'expired' : 'valid';
        out(`${r.serial}  ${r.institutionId.padEnd(34)} ${r.notBefore.toISOString().slice(0, 10)} .. ${r.notAfter.toISOString().slice(0, 10)}  ${status}`);
      }
      if (rows.length === 0) out('no certificates');
    });
  cert
    .command('register <certFile>')
    .description('register a certificate issued by the federation CA elsewhere')
    .action(async (file: string) => {
      const cfg = loadConfig();
      const { recordFromPem } = await import('../../trust/index.js');
      const rec = recordFromPem(readFileSync(file, 'utf8'));
      await new FileCertificateStore(cfg.pkiDir).add(rec);
      out(`registered ${rec.serial} for ${rec.institutionId}`);
    });
  cert
    .command('revoke <serial>')
    .description('revoke a certificate: every hub process refuses it within a second, at once when reachable')
    .action(async (serial: string) => {
      const cfg = loadConfig();
      const r = await new FileCertificateStore(cfg.pkiDir).revoke(serial, new Date());
      if (!r) throw new Error(`no certificate with serial ${serial}`);
      out(`revoked ${r.serial} (${r.institutionId}) at ${r.revokedAt!.toISOString()}`);
      try {
        out(await requestReload({ redisUrl: cfg.redisUrl, dataDir: cfg.dataDir, queueName: cfg.queueName, actor: `operator:${process.env.USER ?? 'cli'}` }));
      } catch (err) {
        out(`(no running hub told: ${(err as Error).message}; hubs re-read revocations within a second)`);
      }
    });
}

/** a new key pair for an operator certificate (PEM; the private key in PKCS#8) */
function newKeyPair(type: string): { publicKeyPem: string; privateKeyPem: string } {
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : type === 'ec-p256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : type === 'rsa-2048'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : undefined;
  if (!pair) throw new Error(`--key-type: expected ed25519, ec-p256 or rsa-2048, got "${type.slice(0, 40)}"`);
  return { publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
