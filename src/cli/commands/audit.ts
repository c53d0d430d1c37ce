/** `wasla audit verify`: walk the hash chain and report the first edit or gap (and, given a recorded head, a cut or a rewrite). */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../store/index.js';
import { describeHold, formatHead, parseHead, sealAll, sealingHold, verifyAudit } from '../../audit/log.js';
import { hubSignerFrom, signPendingSeals, verifySealSignatures } from '../../audit/seal-signing.js';
import { HUB_INSTITUTION_ID } from '../../federation/index.js';
import { FileCertificateStore } from '../../trust/index.js';

export function register(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every entry links to the one before and was not altered, and that every row of the log is in the chain or waiting for it; exit 1 on any break')
    .option(
      '--expect-head <entry:hash>',
      'a head printed by an earlier verify and kept outside the database: exit 1 unless the chain still reaches that entry with that hash (nothing cut off, nothing rewritten)',
    )
    .action(async (opts: { expectHead?: string }) => {
      const recordedHead = opts.expectHead === undefined ? undefined : parseHead(opts.expectHead);
      if (opts.expectHead !== undefined && !recordedHead) {
        process.stderr.write(`--expect-head: expected <entry>:<64 hex digits>, as verify prints the head, got "${opts.expectHead}"\n`);
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
        const r = await verifyAudit(database.db, undefined, { recordedHead });
        if (r.ok) {
          const checked = recordedHead ? `; the recorded head ${formatHead(recordedHead.entry, recordedHead.hash)} is in it` : '';
          // entries left unsealed after sealing wait for a transaction still open: say which
          const hold = r.unsealed ? await sealingHold(database.db) : undefined;
          const waiting = r.unsealed ? ` (${r.unsealed} not sealed yet${hold ? `, held back by ${describeHold(hold)}` : ''})` : '';
          process.stdout.write(`audit log intact: ${r.entries} entries, head ${formatHead(r.entries, r.headHash)}${waiting}${checked}\n`);
          // each seal signed with the hub key (issue 26), checked with every hub certificate the PKI directory holds
          const hubCerts = (await new FileCertificateStore(config.pkiDir).listForInstitution(HUB_INSTITUTION_ID).catch(() => [])).map((c) => c.pem);
          const signed = hubCerts.length > 0 ? await verifySealSignatures(database.db, HUB_INSTITUTION_ID, hubCerts) : undefined;
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
}
