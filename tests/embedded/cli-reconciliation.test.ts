/**
 * `wasla statement send` and `wasla reconciliation list|show` against a real embedded hub (issue
 * 23): the bank sends a camt.054 from a file, signed; the fund and the bank read the
 * reconciliation; the family court, which has no part in it, reads nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { runCli as wasla } from '../helpers/cli.js';

const NOTIFICATION = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>CLI-1</MsgId><CreDtTm>2026-02-02T12:00:00Z</CreDtTm></GrpHdr>
<Ntfctn><Id>CLI-NTF-1</Id><CreDtTm>2026-02-02T12:00:00Z</CreDtTm><Acct><Id><IBAN>PS13PALS000000000100777000101</IBAN></Id></Acct>
<Ntry><Amt Ccy="ILS">75.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-02-02</Dt></BookgDt><AcctSvcrRef>CLI-0001</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>NOT-OURS</EndToEndId></Refs></TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;

describe('wasla statement / reconciliation (embedded hub)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  const keys = (id: string) => ['--hub', hub.url!, '--key', join(dir, `${id}.key.pem`), '--cert', join(dir, `${id}.cert.pem`)];
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv);
    dir = mkdtempSync(join(tmpdir(), 'wasla-cli-rec-'));
    for (const id of ['ps.bank.palestine', 'ps.alimony-fund', 'ps.sjd.family-court.ramallah']) {
      const k = sharedFederation().keys.get(id)!;
      writeFileSync(join(dir, `${id}.key.pem`), k.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, `${id}.cert.pem`), k.certPem);
    }
    writeFileSync(join(dir, 'ntf.xml'), NOTIFICATION);
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const body = (out: string) => JSON.parse(out.slice(out.indexOf('\n') + 1));

  it('sends a statement from a file and shows its reconciliation to the bank and the fund only', async () => {
    const sent = await wasla(['statement', 'send', join(dir, 'ntf.xml'), ...keys('ps.bank.palestine')]);
    expect([sent.code, sent.out.split('\n')[0]]).toEqual([0, 'HTTP 200']);
    const [s] = body(sent.out).statements;
    expect(s).toMatchObject({ statementId: 'CLI-NTF-1', duplicate: false, unmatchedEntries: 1 });

    const listed = await wasla(['reconciliation', 'list', ...keys('ps.alimony-fund')]);
    expect(body(listed.out).items.map((i: any) => [i.statement, i.holder, i.unmatched])).toEqual([[s.statement, 'ps.alimony-fund', 1]]);
    const shown = await wasla(['reconciliation', 'show', s.statement, ...keys('ps.bank.palestine')]);
    expect(body(shown.out).result.unmatched).toEqual([expect.objectContaining({ endToEndId: 'NOT-OURS', amount: '75' })]);

    const court = await wasla(['reconciliation', 'show', s.statement, ...keys('ps.sjd.family-court.ramallah')]);
    expect([court.code, court.out.split('\n')[0], body(court.out).type]).toEqual([1, 'HTTP 404', 'https://wasla.dev/problems/reconciliation-not-found']);
  });
});
