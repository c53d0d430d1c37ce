/**
 * The demo's deadlines (issue 25): the flows it sent opened deadlines from the federation's
 * expectations (contracts/agreements/deadlines.json); some were met or withdrawn by later flows.
 * A compressed clock — for the demo only: one pass of the deadline clock told that it is a day
 * after the last due time — fires the rest, and the hub's deadline.missed messages are delivered,
 * signed, to the institutions each names. It prints every deadline before and after, and each
 * alert with whom it reached; it fails unless one deadline was met, one missed, and every alert
 * delivered.
 */
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { resultRows } from '../../src/store/db.js';
import { DeadlineClock } from '../../src/workers/deadline-clock.js';
import { querySecrets } from '../../src/compose/query-secrets.js';
import { payloadVault } from '../../src/compose/payload-vault.js';
import { openStored } from '../../src/store/payload-store.js';
import type { Out } from './print.js';
import type { DemoReceiver } from './receivers.js';

export interface HubMessageResult {
  id: string;
  type: string;
  deadlineId: string;
  deliveries: Array<{ recipient: string; deliveryId: string; state: string; arrived: boolean }>;
}

export interface DeadlineDemo {
  states: Record<string, string>;
  alerts: HubMessageResult[];
  failures: string[];
}

const DAY = 86_400_000;

export async function showDeadlines(out: Out, hub: Hub, receivers: Map<string, DemoReceiver>, timeoutMs: number): Promise<DeadlineDemo> {
  const db = hub.database.db;
  const list = async () =>
    resultRows<{ id: string; expectation: string; state: string; correlation_key: string; due_at: Date }>(
      await db.execute(sql`select id, expectation, state, correlation_key, due_at from deadlines order by created_at, id`),
    );
  const before = await list();
  out.line();
  out.line(out.bold('== Deadlines: what the agreements expect to follow (contracts/agreements/deadlines.json)'));
  for (const d of before) out.line(`    ${d.expectation.padEnd(22)} ${d.correlation_key.padEnd(20)} due ${new Date(d.due_at).toISOString()}  ${out.bold(d.state)}`);
  const last = Math.max(Date.now(), ...before.map((d) => new Date(d.due_at).getTime()));
  const asOf = new Date(last + DAY);
  out.line();
  out.line(out.dim(`    a compressed clock (the demo only): one pass of the deadline clock as if it were ${asOf.toISOString()}`));
  // the hub's own keys (its configuration, or payload.keys in its PKI directory): a child's alert is sealed (issue 26)
  const vault = payloadVault(hub.config, hub.log);
  const clock = new DeadlineClock({ db, contracts: hub.contracts, dispatcher: hub.dispatcher, log: hub.log, indexSecret: querySecrets(hub.config, hub.log).indexSecret, vault, intervalMs: 60_000 });
  const fired = await clock.tick(asOf);
  out.line(`    fired: ${fired.missed} missed, ${fired.warned} warned`);

  // a child's alert is stored sealed (issue 26): its deadline id is read from the opened envelope
  const alertRows = async () =>
    resultRows<{
      id: string;
      type: string;
      classification: string;
      envelope: unknown;
      payload_ciphertext: Buffer | null;
      payload_key: Buffer | null;
      recipient: string;
      delivery_id: string;
      state: string;
    }>(
      await db.execute(sql`select m.id, m.type, m.classification, m.envelope, m.payload_ciphertext, m.payload_key, d.recipient, d.id as delivery_id, d.state
        from messages m join deliveries d on d.message_id = m.id where m.sender = 'ps.wasla.hub' and m.type like 'deadline.%' order by m.received_at, d.recipient`),
    ).map(({ envelope, payload_ciphertext, payload_key, classification, ...r }) => {
      const opened = openStored({ id: String(r.id), classification, envelope, payloadCiphertext: payload_ciphertext, payloadKey: payload_key }, vault).envelope as { data?: { deadlineId?: string } };
      return { ...r, deadline_id: String(opened.data?.deadlineId ?? '') };
    });
  // arrived, and the hub's signature verified by the receiver (as for every delivery of the demo)
  const arrived = (recipient: string, id: string) => receivers.get(recipient)?.arrivals.some((a) => a.deliveryId === id && !a.repeat && a.verified === true) ?? false;
  const end = Date.now() + timeoutMs;
  let rows = await alertRows();
  while (Date.now() < end && rows.some((r) => r.state !== 'delivered' || !arrived(r.recipient, r.delivery_id))) {
    await new Promise((res) => setTimeout(res, 100));
    rows = await alertRows();
  }
  const alerts = new Map<string, HubMessageResult>();
  for (const r of rows) {
    const a = alerts.get(r.id) ?? { id: r.id, type: r.type, deadlineId: r.deadline_id, deliveries: [] };
    a.deliveries.push({ recipient: r.recipient, deliveryId: r.delivery_id, state: r.state, arrived: arrived(r.recipient, r.delivery_id) });
    alerts.set(r.id, a);
  }
  const after = await list();
  const states: Record<string, string> = {};
  out.line();
  for (const d of after) {
    states[d.id] = d.state;
    const told = [...alerts.values()].filter((a) => a.deadlineId === d.id);
    const to = told.flatMap((a) => a.deliveries.map((x) => `${x.recipient}${x.arrived ? '' : ' (not arrived)'}`));
    out.line(`    ${d.expectation.padEnd(22)} ${d.correlation_key.padEnd(20)} ${out.bold(d.state.padEnd(9))} ${to.length ? `deadline.missed -> ${to.join(', ')}` : ''}`);
  }
  const failures: string[] = [];
  const seen = new Set(after.map((d) => d.state));
  if (!seen.has('met')) failures.push('no deadline of the demo was met');
  if (fired.missed === 0) failures.push('the compressed clock missed no deadline');
  for (const a of alerts.values()) for (const d of a.deliveries) if (!d.arrived) failures.push(`${a.type} ${a.id} did not reach ${d.recipient}`);
  return { states, alerts: [...alerts.values()], failures };
}
