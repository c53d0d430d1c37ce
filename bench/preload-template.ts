/**
 * The shape of one preloaded message, taken from the hub itself: the bench's own request body is
 * read, validated and routed by the hub's intake (`prepareMessage`, the one path every message
 * takes in), against the bench's contract set at the bench's fan-out. What it would commit —
 * envelope as stored, routing decision, delivery rows, the answer kept with the idempotency key,
 * the `message.accepted` audit entry — becomes text with placeholders, which the loader's SQL
 * fills per message. So the preloaded rows have the sizes, keys and field order that intake
 * writes, and they follow the hub when intake changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareMessage } from '../src/intake/accept.js';
import { parseJsonBody, readEnvelope } from '../src/intake/envelope.js';
import { loadContracts } from '../src/routing/index.js';
import type { RetryPolicy } from '../src/federation/index.js';
import { SENDER, writeBenchContracts } from './contracts.js';
import { bodyMaker } from './message.js';

/** placeholders the loader's SQL replaces; none can occur in a bench message otherwise */
export const PH = {
  seq: '@@SEQ@@',
  messageId: '@@MID@@',
  at: '@@AT@@',
  bodySha256: '@@SHA@@',
  credential: '@@CRED@@',
  delivery: (i: number) => `@@D${i}@@`,
} as const;

/** a sequence number of the bench's width that no real one takes, replaced by PH.seq */
const SENTINEL_SEQ = 9_999_999_999;

export interface DeliveryTemplate {
  recipient: string;
  agreement: string;
  grant: string;
  major: number;
  fields: string;
  retry: string;
  acceptUnsignedReceipt: boolean;
  rateLimit: string | null;
  /** the retry schedule, seconds before attempts 2, 3, ... */
  schedule: number[];
}

export interface MessageTemplate {
  /** the request body as the load generator sends it (PH.seq) */
  body: string;
  sender: string;
  type: string;
  version: string;
  classification: string;
  subject: string | null;
  caseRef: string | null;
  correlationId: string | null;
  causationId: string | null;
  /** the stored envelope (PH.messageId, PH.at, PH.seq) */
  envelope: string;
  /** the routing decision, jsonb text */
  routing: string;
  deliveries: DeliveryTemplate[];
  /** the answer kept with the idempotency key (PH.messageId, PH.at, PH.delivery(i)) */
  response: string;
  /** the `message.accepted` entry's data (PH.messageId, PH.bodySha256, PH.credential, PH.delivery(i)) */
  acceptedData: string;
}

/** Replaces every occurrence of each key of `map` in `text` (plain strings, no patterns). */
function substitute(text: string, map: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(map)) out = out.split(from).join(to);
  return out;
}

export function messageTemplate(repo: string, fanout: number, payloadBytes: number): MessageTemplate {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-preload-'));
  try {
    const contracts = loadContracts(writeBenchContracts(join(repo, 'contracts'), dir, fanout), { env: {} });
    const seqText = String(SENTINEL_SEQ);
    const body = bodyMaker(payloadBytes)(SENTINEL_SEQ);
    const credential = 'cert:preload-template';
    const sha = createHash('sha256').update(body).digest('hex');
    const p = prepareMessage(
      contracts,
      readEnvelope(parseJsonBody(body), SENDER),
      {
        sender: SENDER,
        credential,
        bodySha256: sha,
        idempotency: { sender: SENDER, key: 'preload-template', requestHash: sha },
      },
      // the template's case-index rows are not written by the preload (issue 24): any secret will do
      randomBytes(32),
    );
    const m = p.commit.message;
    const map: Record<string, string> = {
      [m.id!]: PH.messageId,
      [m.receivedAt!.toISOString()]: PH.at,
      [seqText]: PH.seq,
      [sha]: PH.bodySha256,
      [credential]: PH.credential,
    };
    p.rows.forEach((d, i) => (map[d.id!] = PH.delivery(i)));
    const text = (v: unknown) => substitute(JSON.stringify(v), map);
    const accepted = p.commit.audit.find((a) => a.action === 'message.accepted');
    if (!accepted) throw new Error('the hub wrote no message.accepted entry for the template message');
    if (p.rows.length !== fanout) throw new Error(`the bench agreement routed the template message to ${p.rows.length} recipients, not ${fanout}`);
    return {
      body: substitute(body.toString('utf8'), { [seqText]: PH.seq }),
      sender: m.sender,
      type: m.type,
      version: m.version,
      classification: m.classification,
      subject: m.subject ?? null,
      caseRef: m.caseRef ?? null,
      correlationId: m.correlationId ?? null,
      causationId: m.causationId ?? null,
      envelope: text(m.envelope),
      routing: text(m.routing),
      deliveries: p.rows.map((d) => ({
        recipient: d.recipient,
        agreement: d.agreement,
        grant: d.grant,
        major: d.major,
        fields: JSON.stringify(d.fields),
        retry: JSON.stringify(d.retry),
        acceptUnsignedReceipt: d.acceptUnsignedReceipt ?? false,
        rateLimit: d.rateLimit == null ? null : JSON.stringify(d.rateLimit),
        schedule: [...(d.retry as RetryPolicy).schedule],
      })),
      response: text(p.commit.response),
      acceptedData: text(accepted.data),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
