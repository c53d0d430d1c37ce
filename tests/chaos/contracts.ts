/**
 * The chaos contract set: a copy of contracts/ in a temp dir where every grant retries on a short
 * schedule (so a run drains in bounded time), plus one chaos-only agreement that gives a court's
 * `traffic-fine.contested` a third recipient (ps.mof and ps.mot already have it), so each message
 * fans out to three receivers, or to more (`--recipients N`, up to 3 + the institutions in
 * EXTRA_RECIPIENTS). `wasla contracts check` must accept the copy before the run starts.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const SENDER = 'ps.hjc.court.ramallah';
export const MESSAGE_TYPE = 'traffic-fine.contested';
export const RECIPIENTS = ['ps.mof', 'ps.mot', 'ps.police.judicial'] as const;
/** more demo institutions the chaos agreement can add as recipients, in this order */
export const EXTRA_RECIPIENTS = ['ps.ago.prosecution', 'ps.hjc.court.nablus', 'ps.alimony-fund', 'ps.bank.palestine', 'ps.sjd.family-court.ramallah'] as const;
export const MAX_RECIPIENTS = RECIPIENTS.length + EXTRA_RECIPIENTS.length;

/** the first `n` recipients (at least the three the demo agreements already give) */
export function recipients(n: number): string[] {
  if (!Number.isInteger(n) || n < RECIPIENTS.length || n > MAX_RECIPIENTS) throw new Error(`--recipients: ${RECIPIENTS.length} to ${MAX_RECIPIENTS}`);
  return [...RECIPIENTS, ...EXTRA_RECIPIENTS].slice(0, n);
}
export const OPERATOR = 'ps.hjc.wasla-operations';

const RETRY = { schedule: [0.5, 1, 1, 2, 2, 3, 3, 5, 5, 5, 5, 5], jitter: 0.2 };

const FANOUT_AGREEMENT = {
  $schema: '../contract-schemas/agreement.schema.json',
  id: 'chaos-fanout',
  title: 'Chaos test only: contested traffic fines also go to the judicial police',
  parties: ['ps.hjc.court.ramallah', 'ps.police.judicial'],
  validFrom: '2026-01-01',
  grants: [
    {
      id: 'contested-to-police',
      senders: [SENDER],
      types: [MESSAGE_TYPE],
      to: [{ recipient: 'ps.police.judicial', major: 1, fields: ['/fineNumber', '/contestedOn', '/court', '/caseNumber'] }],
      retry: RETRY,
    },
  ],
};

/** Copy `source` into `dir`, patch it, and check it with the wasla CLI; throws on a fault. */
export function prepareContracts(repo: string, dir: string, all: readonly string[] = RECIPIENTS): void {
  cpSync(join(repo, 'contracts'), dir, { recursive: true });
  const agreements = join(dir, 'agreements');
  for (const f of readdirSync(agreements).filter((n) => n.endsWith('.json'))) {
    const a = JSON.parse(readFileSync(join(agreements, f), 'utf8')) as { grants?: Array<{ retry?: unknown }> };
    for (const g of a.grants ?? []) g.retry = RETRY;
    writeFileSync(join(agreements, f), JSON.stringify(a, null, 2));
  }
  const extra = all.filter((r) => !(RECIPIENTS as readonly string[]).includes(r));
  const fanout = structuredClone(FANOUT_AGREEMENT);
  fanout.parties.push(...extra);
  fanout.grants[0].to.push(...extra.map((recipient) => ({ ...fanout.grants[0].to[0], recipient })));
  writeFileSync(join(agreements, 'chaos-fanout.json'), JSON.stringify(fanout, null, 2));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'contracts', 'check', dir], { cwd: repo, stdio: 'pipe', timeout: 60_000 });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the chaos contract set does not check:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

/** A valid traffic-fine.contested 1.0 envelope for message number `i`, the same bytes every time. */
export function messageBody(runId: string, i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      specversion: '1.0',
      type: MESSAGE_TYPE,
      dataschema: `https://wasla.dev/contracts/messages/${MESSAGE_TYPE}/1.0.schema.json`,
      id: `chaos-${runId}-${i}`,
      data: {
        fineNumber: `TF-2026-${String(i).padStart(7, '0')}`,
        contestedOn: '2026-03-27',
        grounds: `chaos run ${runId}, message ${i}`,
        court: { id: SENDER, name: { ar: 'محكمة صلح رام الله', latin: 'Ramallah Magistrate Court' } },
        caseNumber: `${(i % 9_999_999) + 1}/2026`,
      },
    }),
  );
}
