/** `wasla audit verify`: walk the hash chain and report the first edit or gap (and, given a recorded head, a cut or a rewrite). */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../store/index.js';
import { describeHold, formatHead, parseHead, sealAll, sealingHold, verifyAudit } from '../../audit/log.js';
import { hubSignerFrom, signPendingSeals, verifySealSignatures } from '../../audit/seal-signing.js';
import { HUB_INSTITUTION_ID } from '../../federation/index.js';
import { FileCertificateStore, loadCa } from '../../trust/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { ExportError, exportAuditBundle } from '../../audit/export.js';
import { verifyAuditBundle } from '../../record/index.js';

export function register(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every entry links to the one before and was not altered, and that every row of the log is in the chain or waiting for it; exit 1 on any break')
    .option(
      '--expect-head <entry:hash>',
      'a head printed by an earlier verify and kept outside the database: exit 1 unless the chain still reaches that entry with that hash (nothing cut off, nothing rewritten)',
    )
    .option(
      '--since <entry:hash>',
      'check only what was appended after a head printed by an earlier verify and kept outside the database: that entry still has that hash, then every later entry, seal, signature and row; the history before it is not read again (a full verify now and then checks it)',
    )
    .action(async (opts: { expectHead?: string; since?: string }) => {
      const recordedHead = opts.expectHead === undefined ? undefined : parseHead(opts.expectHead);
      const since = opts.since === undefined ? undefined : parseHead(opts.since);
      for (const [name, given, parsed] of [
        ['--expect-head', opts.expectHead, recordedHead],
        ['--since', opts.since, since],
      ] as const) {
        if (given !== undefined && !parsed) {
          process.stderr.write(`${name}: expected <entry>:<64 hex digits>, as verify prints the head, got "${given}"\n`);
          process.exitCode = 2;
          return;
        }
      }
      if (since && recordedHead && recordedHead.entry < since.entry) {
        process.stderr.write(`--expect-head: entry ${recordedHead.entry} is before --since (entry ${since.entry}), which this walk does not read\n`);
        process.exitCode = 2;
        return;
      }
      const config = loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        // entries committed since the last sealing are sealed first, as a running hub would (after
        // its sealer, should one be at work)
        await sealAll(database.db, undefined, { waitForLock: true });
        const signer = hubSignerFrom(config.pkiDir, HUB_INSTITUTION_ID);
        if (signer) while ((await signPendingSeals(database.db, signer)) > 0);
        const r = await verifyAudit(database.db, undefined, { recordedHead, since });
        if (r.ok) {
          const checked =
            (recordedHead ? `; the recorded head ${formatHead(recordedHead.entry, recordedHead.hash)} is in it` : '') +
            (r.checkedFrom ? `; checked from entry ${r.checkedFrom.entry} on (seal ${r.checkedFrom.seal}), the entries before it taken from a head verified earlier` : '');
          // entries left unsealed after sealing wait for a transaction still open: say which
          const hold = r.unsealed ? await sealingHold(database.db) : undefined;
          const waiting = r.unsealed ? ` (${r.unsealed} not sealed yet${hold ? `, held back by ${describeHold(hold)}` : ''})` : '';
          process.stdout.write(`audit log intact: ${r.entries} entries, head ${formatHead(r.entries, r.headHash)}${waiting}${checked}\n`);
          // each seal signed with the hub key (issue 26), checked with every hub certificate the PKI directory holds
          const hubCerts = (await new FileCertificateStore(config.pkiDir).listForInstitution(HUB_INSTITUTION_ID).catch(() => [])).map((c) => c.pem);
          const signed = hubCerts.length > 0 ? await verifySealSignatures(database.db, HUB_INSTITUTION_ID, hubCerts, undefined, r.checkedFrom?.seal) : undefined;
          if (!signed) {
            process.stdout.write(`seal signatures not checked: no hub certificate in ${config.pkiDir}\n`);
          } else if (signed.invalid) {
            process.stdout.write(`AUDIT SEAL SIGNATURE BROKEN: ${signed.invalid.reason} (${signed.signed} seals verified before it)\n`);
            process.exitCode = 1;
          } else {
            process.stdout.write(`seals signed by the hub: ${signed.signed}${signed.unsigned ? ` (${signed.unsigned} unsigned: made before seals were signed, or not signed yet)` : ''}\n`);
          }
        } else if (r.brokenAt !== undefined) {
          process.stdout.write(`AUDIT LOG BROKEN at entry ${r.brokenAt}: ${r.reason} (${r.entries} entries verified before it)\n`);
          process.exitCode = 1;
        } else {
          // the chain itself holds, but the table has rows it cannot account for
          process.stdout.write(`AUDIT LOG BROKEN: ${r.reason} (${r.entries} entries verified in the chain)\n`);
          process.exitCode = 1;
        }
      } finally {
        await database.close();
      }
    });

  audit
    .command('export')
    .description(
      "write a signed audit bundle of every seal whose entries overlap --from..--to: entries, seals and their signatures, the hub and CA certificates, and the evidence of origin of the messages accepted in it, with their institutions' certificates; an auditor verifies it offline with `wasla audit verify-bundle`",
    )
    .option('--from <time>', 'ISO 8601 date-time: the first entries to cover (default: the beginning)')
    .option('--to <time>', 'ISO 8601 date-time: the last entries to cover (default: now)')
    .requiredOption('--out <file>', 'where to write the bundle (one JSON document)')
    .action(async (o: { from?: string; to?: string; out: string }) => {
      const time = (name: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const d = new Date(v);
        if (Number.isNaN(d.getTime())) throw new Error(`${name}: expected an ISO 8601 date-time, got "${v.slice(0, 40)}"`);
        return d;
      };
      const from = time('--from', o.from);
      const to = time('--to', o.to);
      const config = loadConfig();
      const signer = hubSignerFrom(config.pkiDir, HUB_INSTITUTION_ID);
      if (!signer) throw new Error(`the export is signed with the hub key: no hub.key.pem and hub.cert.pem in ${config.pkiDir}`);
      const store = new FileCertificateStore(config.pkiDir);
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await sealAll(database.db, undefined, { waitForLock: true });
        while ((await signPendingSeals(database.db, signer)) > 0);
        const r = await exportAuditBundle(database.db, {
          from,
          to,
          signer,
          caCertPems: [loadCa(config.pkiDir).certPem],
          hubCertPems: (await store.listForInstitution(HUB_INSTITUTION_ID)).map((c) => c.pem),
          certificate: async (serial) => {
            const c = await store.get(serial);
            return c ? { pem: c.pem, revokedAt: c.revokedAt } : undefined;
          },
        });
        writeFileSync(o.out, r.text);
        process.stdout.write(`wrote ${o.out}: ${r.seals} seals, ${r.entries} entries, ${r.origins} evidences of origin\n`);
      } catch (err) {
        if (!(err instanceof ExportError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      } finally {
        await database.close();
      }
    });
  audit
    .command('verify-bundle <file>')
    .description('verify an audit bundle offline, without the hub: its canonical bytes, every signature, the chain of its seals and entries, and each evidence of origin; exit 1 on any fault')
    .option('--ca <pemOrFingerprint...>', 'the federation CA you trust: a PEM file or its SHA-256 fingerprint (without it, the bundle is only shown consistent with the CA it carries)')
    .option('--expect-head <entry:hash>', 'a head recorded earlier: the bundle must reach that entry with that hash')
    .action(async (file: string, o: { ca?: string[]; expectHead?: string }) => {
      const trustedCa = o.ca?.map((c) => (/^[0-9a-fA-F:]{64,95}$/.test(c) ? c : readFileSync(c, 'utf8')));
      const r = await verifyAuditBundle(readFileSync(file), { trustedCa, expectHead: o.expectHead });
      if (r.ok) {
        const trust = r.trust === 'pinned' ? 'signed by a hub of the CA you trust' : 'consistent with the CA it carries (pass --ca to pin yours)';
        process.stdout.write(`bundle verified: ${r.seals} seals, ${r.entries} entries up to ${r.head}, ${r.origins.verified} evidences of origin; ${trust}\n`);
        if (r.origins.missing.length) process.stdout.write(`messages accepted without evidence of origin: ${r.origins.missing.join(', ')}\n`);
      } else {
        process.stdout.write(`BUNDLE BROKEN: ${r.problems.map((p) => `${p.where}: ${p.detail}`).join('; ')}\n`);
        process.exitCode = 1;
      }
    });
}
