/**
 * `npm run demo`: the first thing a new user runs. Starts the hub on its embedded defaults (PGlite
 * in a fresh temp dir, in-process dispatcher, a free port of 127.0.0.1), points every institution
 * of the demo federation at a small receiver of its own, sends one message of each flow plus one
 * refused and one invalid request, and prints who sent what, whom the hub routed it to and why,
 * and what each receiver actually got. Then it leaves the hub running (Ctrl-C stops it), or with
 * `--exit` stops everything and exits 0 — non-zero when an expected delivery did not arrive.
 *
 * Everything is bounded in time, and the temp dir is removed on the way out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startHub, type Hub } from '../src/hub.js';
import { endpointEnvVar } from '../src/routing/endpoints.js';
import { demoFlows, type Cleared, type MessageFlow, type RefusalFlow } from './demo/flows.js';
import { createOut, pad, wrap, type Out } from './demo/print.js';
import { createDemoFederation } from './demo/federation.js';
import { startReceivers, type Arrival, type DemoReceiver } from './demo/receivers.js';
import { createHubClient, type HubClient } from './demo/send.js';
export type { Arrival } from './demo/receivers.js';
import { summarize } from './demo/summaries.js';
import { type HubMessageResult, showDeadlines } from './demo/deadlines.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROBLEM = 'https://wasla.dev/problems/';
const WIDTH = 110;

export interface DemoOptions {
  /** stop everything when done instead of leaving the hub running */
  exit?: boolean;
  /** where the report goes (default process.stdout); colour only when it is a TTY */
  out?: Writable & { isTTY?: boolean };
  /** the hub's own pino log level (default warn) */
  logLevel?: string;
  /** the contract set (default ./contracts of this repository) */
  contractsDir?: string;
  /** how long to wait for one message's deliveries (default 20 s) */
  deliveryTimeoutMs?: number;
  /** how long the hub may take to start (default 60 s) */
  startTimeoutMs?: number;
}

export interface DeliveryResult {
  recipient: string;
  agreement: string;
  grant: string;
  major: number;
  deliveryId: string;
  state: string;
  attempts: number;
  lastError: string | null;
  /** the last attempt of the hub's attempt log */
  attempt?: { number: number; statusCode: number | null; durationMs: number; outcome: string; error: string | null; receipt: unknown };
  /** what the recipient's receiver saw */
  arrival?: {
    deliveryIdSeen: string;
    messageIdSeen: string;
    dataschema: string;
    version: string;
    classification: string;
    fields: string[];
    data: Record<string, unknown>;
    /** the receiver verified the hub's signature on the delivery */
    verified?: boolean;
  };
}

export interface MessageResult {
  flow: MessageFlow;
  status: number;
  messageId?: string;
  classification?: string;
  /** the problem when the hub did not accept it */
  problem?: { type: string; title: string; detail?: string };
  deliveries: DeliveryResult[];
  /** expected recipients that did not get a delivered arrival */
  missing: string[];
  /** institutions that got it without being expected */
  unexpected: string[];
  /** institutions not cleared for the flow's class (juvenile or gbv) that received it */
  leaks: string[];
}

export interface RefusalResult {
  flow: RefusalFlow;
  status: number;
  contentType: string;
  code: string;
  title: string;
  detail?: string;
  errors: Array<{ pointer: string; detail?: string }>;
}

export interface DemoResult {
  /** every expected delivery arrived, and every check held */
  ok: boolean;
  url: string;
  /** the hub's data directory (PGlite, PKI); removed by stop() */
  dataDir: string;
  messages: MessageResult[];
  refusals: RefusalResult[];
  deliveriesExpected: number;
  deliveriesMade: number;
  /** each failed check, in words */
  failures: string[];
  /** everything every receiver saw, in order of arrival */
  arrivals: Arrival[];
  /** the hub's own messages: deadline alerts the compressed clock fired (issue 25) */
  hubMessages: HubMessageResult[];
  /** each deadline's state after the compressed clock, by id */
  deadlineStates: Record<string, string>;
  /** stop the hub and the receivers and remove the temp dir (idempotent) */
  stop(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function institutionIds(contractsDir: string): string[] {
  const dir = join(contractsDir, 'institutions');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string }).id);
}

function schemaUri(type: string, version: string): string {
  return `https://wasla.dev/contracts/messages/${type}/${version}.schema.json`;
}

function versionOf(dataschema: string): string {
  return /\/(\d+\.\d+)\.schema\.json$/.exec(dataschema)?.[1] ?? '?';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** a received top-level field, marked with its sub-fields when the receiver got only some of them */
function describeField(key: string, sent: unknown, got: unknown): string {
  const subset = (s: Record<string, unknown>, g: Record<string, unknown>) => Object.keys(g).length < Object.keys(s).length;
  if (isObject(sent) && isObject(got) && subset(sent, got)) return `${key}{${Object.keys(got).join(',')}}`;
  if (Array.isArray(sent) && Array.isArray(got) && got.some((g, i) => isObject(g) && isObject(sent[i]) && subset(sent[i] as Record<string, unknown>, g))) {
    const keys = [...new Set(got.flatMap((g) => (isObject(g) ? Object.keys(g) : [])))];
    return `${key}[]{${keys.join(',')}}`;
  }
  return key;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const out = createOut(opts.out ?? process.stdout);
  const contractsDir = resolve(opts.contractsDir ?? join(ROOT, 'contracts'));
  const deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 20_000;
  const startedAt = Date.now();
  const runId = startedAt.toString(36);

  // After the demo, a hub left running reports what arrives (e.g. messages a user sends with curl).
  let live = false;
  const onArrival = (a: Arrival) => {
    if (!live) return;
    const version = a.envelope?.dataschema ? versionOf(a.envelope.dataschema) : '?';
    out.line(
      `${out.dim(a.at.toISOString().slice(11, 19))}  ${a.institution} received ${a.envelope?.type ?? '?'}@${version} from ${a.envelope?.source ?? '?'}` +
        ` (message ${a.messageId}, Wasla-Delivery-Id ${a.deliveryId}${a.repeat ? ', a repeat it dropped' : ''})`,
    );
  };

  const ids = institutionIds(contractsDir);
  const dataDir = mkdtempSync(join(tmpdir(), 'wasla-demo-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir); // last resort; stop() removes it in order
  let receivers = new Map<string, DemoReceiver>();
  let hub: Hub | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      live = false;
      try {
        if (hub) await withTimeout(hub.stop(), 20_000, 'stopping the hub').catch((err) => out.line(`(${(err as Error).message})`));
      } finally {
        await Promise.all([...receivers.values()].map((r) => withTimeout(r.close(), 5_000, 'closing a receiver').catch(() => {})));
        removeDataDir();
        process.removeListener('exit', removeDataDir);
      }
    })());

  try {
    // the hub requires RFC 9421 signatures: a fresh federation CA, hub certificate and one key per
    // institution, in the PKI directory the hub reads
    const pkiDir = join(dataDir, 'pki');
    out.line(out.bold('Wasla demo'));
    const step = async <T>(what: string, f: () => T | Promise<T>): Promise<T> => {
      out.write(`  ${what}… `);
      const t0 = Date.now();
      const v = await f();
      out.line(out.dim(`${((Date.now() - t0) / 1000).toFixed(1)} s`));
      return v;
    };
    const federation = await step(`making a federation CA and a signing key for each of ${ids.length} institutions`, () => createDemoFederation(pkiDir, ids));
    receivers = await startReceivers(ids, (id) => ({ hubCertPem: federation.hubCertPem, caCertPem: federation.caCertPem, key: federation.keys.get(id) }), onArrival);
    const contractsEnv: Record<string, string> = {};
    for (const [id, r] of receivers) contractsEnv[endpointEnvVar(id)] = r.url;
    const config = loadConfig({
      WASLA_DATA_DIR: dataDir,
      WASLA_PKI_DIR: pkiDir,
      WASLA_CONTRACTS_DIR: contractsDir,
      WASLA_PORT: '0',
      WASLA_LOG_LEVEL: opts.logLevel ?? 'warn',
      WASLA_SHUTDOWN_GRACE_MS: '3000',
      // the demo drives the deadline clock itself (a compressed clock); the hub's own looks rarely
      WASLA_DEADLINE_INTERVAL_MS: '600000',
    });
    hub = await step(`starting the hub on its embedded defaults (PGlite in ${dataDir})`, () => withTimeout(startHub({ config, contractsEnv }), opts.startTimeoutMs ?? 60_000, 'starting the hub'));
    const url = hub.url!;
    const client = createHubClient(url, { keys: federation.keys });
    const contracts = hub.contracts();
    const cleared = (id: string, c: Cleared) => contracts.institution(id)?.clearances.includes(c) ?? false;

    printHeader(out, url, contractsDir, receivers, contracts);

    const messages: MessageResult[] = [];
    const refusals: RefusalResult[] = [];
    const failures: string[] = [];
    const flows = demoFlows(contractsDir);
    let part = '';
    for (const [i, flow] of flows.entries()) {
      if (flow.part !== part) {
        part = flow.part;
        out.line();
        out.line(out.bold(`== ${part}`));
      }
      out.line();
      out.line(out.bold(`${String(i + 1).padStart(2)}  ${flow.title}`));
      if (flow.note) out.line(out.dim(`    ${flow.note}`));
      out.line(`    ${flow.sender} sends ${out.bold(`${flow.type}@${flow.version}`)}`);
      for (const l of wrap(summarize(flow.type, flow.data).split(' '), '      ', '      ', WIDTH)) out.line(l);
      const envelope = {
        specversion: '1.0',
        type: flow.type,
        dataschema: schemaUri(flow.type, flow.version),
        id: `demo-${runId}-${i + 1}`,
        ...(typeof flow.data.caseNumber === 'string' && { casereference: flow.data.caseNumber }),
        data: flow.data,
      };
      const answer = await client.request(flow.sender, 'POST', '/v1/messages', envelope, { 'idempotency-key': `demo-${runId}-${i + 1}` });
      if (flow.kind === 'refusal') {
        const r = refusalResult(flow, answer);
        refusals.push(r);
        printRefusal(out, r);
        failures.push(...checkRefusal(r));
      } else {
        const r = await deliverFlow(client, flow, answer, receivers, cleared, deliveryTimeoutMs);
        messages.push(r);
        printMessage(out, r, cleared, ids);
        failures.push(...checkMessage(r));
      }
    }

    const deadlines = await showDeadlines(out, hub, receivers, deliveryTimeoutMs);
    failures.push(...deadlines.failures);

    // Across the whole run: no juvenile or gbv message ever reached an uncleared institution's receiver.
    for (const [id, r] of receivers) {
      for (const a of r.arrivals) {
        const c = a.envelope?.classification;
        if ((c === 'juvenile' || c === 'gbv') && !cleared(id, c)) failures.push(`${id} is not cleared for ${c} cases but received message ${a.messageId}`);
      }
    }

    const deliveriesExpected = messages.reduce((n, m) => n + m.flow.expect.length, 0);
    const deliveriesMade = messages.reduce((n, m) => n + m.deliveries.filter((d) => d.state === 'delivered' && d.arrival).length, 0);
    const arrivals = [...receivers.values()].flatMap((r) => r.arrivals).sort((a, b) => a.at.getTime() - b.at.getTime());
    const result: DemoResult = {
      ok: failures.length === 0,
      url,
      dataDir,
      messages,
      refusals,
      deliveriesExpected,
      deliveriesMade,
      failures,
      arrivals,
      hubMessages: deadlines.alerts,
      deadlineStates: deadlines.states,
      stop,
    };
    printSummary(out, result, Date.now() - startedAt);

    if (opts.exit) {
      await stop();
    } else {
      out.line();
      out.line(out.bold(`The hub is still running at ${url} — press Ctrl-C to stop.`));
      out.line(out.dim(`  Look around: ${url}/docs (the API), ${url}/v1/schemas, ${url}/metrics.`));
      out.line(out.dim(`  Sending needs a signature by an enrolled key (docs/trust.md); deliveries from now on are printed below.`));
      live = true;
    }
    return result;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function deliverFlow(
  client: HubClient,
  flow: MessageFlow,
  answer: Awaited<ReturnType<HubClient['request']>>,
  receivers: Map<string, DemoReceiver>,
  cleared: (id: string, c: Cleared) => boolean,
  timeoutMs: number,
): Promise<MessageResult> {
  const result: MessageResult = { flow, status: answer.status, deliveries: [], missing: [], unexpected: [], leaks: [] };
  if (answer.status !== 202) {
    result.problem = { type: String(answer.json?.type ?? answer.text.slice(0, 80)), title: String(answer.json?.title ?? ''), detail: answer.json?.detail };
    result.missing = [...flow.expect];
    return result;
  }
  const id = String(answer.json.id);
  result.messageId = id;
  result.classification = answer.json.classification;

  // Wait, bounded, until every delivery is finished (delivered or dead), reading as the sender.
  const end = Date.now() + timeoutMs;
  let view: any;
  for (;;) {
    const r = await client.request(flow.sender, 'GET', `/v1/messages/${id}`);
    if (r.status === 200) view = r.json;
    const done = view?.deliveries.every((d: any) => d.state === 'delivered' || d.state === 'dead');
    if (done || Date.now() > end) break;
    await sleep(100);
  }
  const rows: any[] = view?.deliveries ?? answer.json.deliveries;
  for (const d of rows) {
    const arrival = receivers.get(d.recipient)?.arrivals.find((a) => a.deliveryId === d.id && !a.repeat);
    const last = d.attemptLog?.at(-1);
    const data = (arrival?.envelope?.data ?? {}) as Record<string, unknown>;
    result.deliveries.push({
      recipient: d.recipient,
      agreement: d.agreement,
      grant: d.grant,
      major: d.major,
      deliveryId: d.id,
      state: d.state,
      attempts: d.attempts ?? 0,
      lastError: d.lastError ?? null,
      attempt: last && { number: last.number, statusCode: last.statusCode, durationMs: last.durationMs, outcome: last.outcome, error: last.error, receipt: last.receipt },
      arrival: arrival && {
        deliveryIdSeen: arrival.deliveryId,
        messageIdSeen: arrival.messageId,
        dataschema: String(arrival.envelope?.dataschema ?? ''),
        version: versionOf(String(arrival.envelope?.dataschema ?? '')),
        classification: String(arrival.envelope?.classification ?? ''),
        fields: Object.keys(data),
        data,
        verified: arrival.verified,
      },
    });
  }
  result.deliveries.sort((a, b) => a.recipient.localeCompare(b.recipient));
  result.missing = flow.expect.filter((r) => !result.deliveries.some((d) => d.recipient === r && d.state === 'delivered' && d.arrival));
  const reached = new Set([...receivers].filter(([, r]) => r.arrivals.some((a) => a.messageId === id)).map(([inst]) => inst));
  for (const d of result.deliveries) reached.add(d.recipient);
  result.unexpected = [...reached].filter((r) => !flow.expect.includes(r)).sort();
  const c = flow.classification;
  if (c) result.leaks = [...reached].filter((r) => !cleared(r, c)).sort();
  return result;
}

function refusalResult(flow: RefusalFlow, answer: Awaited<ReturnType<HubClient['request']>>): RefusalResult {
  const type = String(answer.json?.type ?? '');
  return {
    flow,
    status: answer.status,
    contentType: answer.contentType,
    code: type.startsWith(PROBLEM) ? type.slice(PROBLEM.length) : type || answer.text.slice(0, 80),
    title: String(answer.json?.title ?? ''),
    detail: answer.json?.detail,
    errors: Array.isArray(answer.json?.errors) ? answer.json.errors.map((e: any) => ({ pointer: String(e.pointer), detail: e.detail })) : [],
  };
}

function checkMessage(r: MessageResult): string[] {
  const f: string[] = [];
  const what = `${r.flow.type}@${r.flow.version} from ${r.flow.sender}`;
  if (r.status !== 202) f.push(`${what}: the hub answered ${r.status} ${r.problem?.type ?? ''}, expected 202`);
  for (const m of r.missing) {
    const d = r.deliveries.find((x) => x.recipient === m);
    f.push(`${what}: ${m} did not get its delivery (${d ? `state ${d.state}${d.lastError ? `: ${d.lastError}` : ''}` : 'not routed to it'})`);
  }
  for (const u of r.unexpected) f.push(`${what}: ${u} received it but no agreement of the demo should entitle it`);
  for (const l of r.leaks) f.push(`${what}: ${l} is not cleared for ${r.flow.classification} cases but received it`);
  if (r.flow.classification && r.status === 202 && r.classification !== r.flow.classification) f.push(`${what}: classified ${r.classification}, expected ${r.flow.classification}`);
  for (const d of r.deliveries) {
    if (d.arrival?.verified === false) f.push(`${what}: ${d.recipient} could not verify the hub's signature on its delivery`);
    if (d.arrival && d.arrival.deliveryIdSeen !== d.deliveryId) f.push(`${what}: ${d.recipient} saw Wasla-Delivery-Id ${d.arrival.deliveryIdSeen}, the hub says ${d.deliveryId}`);
    const major = r.flow.expectMajor?.[d.recipient];
    if (major !== undefined && d.arrival && !d.arrival.version.startsWith(`${major}.`)) f.push(`${what}: ${d.recipient} got dataschema ${d.arrival.version}, expected major ${major}`);
  }
  return f;
}

function checkRefusal(r: RefusalResult): string[] {
  const f: string[] = [];
  const what = `${r.flow.type}@${r.flow.version} from ${r.flow.sender}`;
  if (r.status !== r.flow.expectStatus || r.code !== r.flow.expectCode) f.push(`${what}: answered ${r.status} ${r.code}, expected ${r.flow.expectStatus} ${r.flow.expectCode}`);
  if (!r.contentType.includes('application/problem+json')) f.push(`${what}: the refusal is ${r.contentType || 'untyped'}, not application/problem+json`);
  if (r.flow.expectPointer && !r.errors.some((e) => e.pointer === r.flow.expectPointer)) f.push(`${what}: the refusal does not point at ${r.flow.expectPointer}`);
  return f;
}

function printHeader(out: Out, url: string, contractsDir: string, receivers: Map<string, DemoReceiver>, contracts: ReturnType<Hub['contracts']>): void {
  out.line();
  out.line(out.bold(`The hub listens at ${url}`) + ` (embedded: PGlite, in-process dispatcher; its data dir is removed on exit)`);
  out.line(`  contracts from ${contractsDir}`);
  out.line(`  every institution's deliveries go to a receiver of its own on 127.0.0.1 (WASLA_ENDPOINT_<ID>):`);
  const w = Math.max(...[...receivers.keys()].map((k) => k.length));
  for (const [id, r] of receivers) {
    const inst = contracts.institution(id);
    const clear = inst?.clearances.length ? `cleared: ${inst.clearances.join(', ')}` : '';
    out.line(`    ${pad(out, id, w)}  ${pad(out, inst?.kind ?? '?', 11)} ${pad(out, r.url, 38)} ${clear}`.trimEnd());
  }
  out.line(`  a federation CA made for this run; each institution signs its requests with its own key (RFC 9421),`);
  out.line(`  the hub signs every delivery, and each receiver verifies it and answers with a signed receipt`);
}

function printMessage(out: Out, r: MessageResult, cleared: (id: string, c: Cleared) => boolean, all: string[]): void {
  if (r.status !== 202) {
    out.line(out.bad(`    hub: ${r.status} ${r.problem?.type ?? ''} ${r.problem?.title ?? ''}${r.problem?.detail ? ` — ${r.problem.detail}` : ''}`));
    return;
  }
  const n = r.deliveries.length;
  out.line(`    hub: 202, message ${r.messageId}, classification ${r.classification}, ${n} ${n === 1 ? 'delivery' : 'deliveries'}:`);
  const w = Math.max(...r.deliveries.map((d) => d.recipient.length));
  for (const d of r.deliveries) {
    out.line(`      -> ${pad(out, d.recipient, w)}  major ${d.major}  entitled by ${d.agreement}/${d.grant}`);
  }
  out.line(`    received:`);
  const indent = ' '.repeat(8);
  for (const d of r.deliveries) {
    const a = d.arrival;
    if (!a) {
      out.line(out.bad(`      ${pad(out, d.recipient, w)}  nothing arrived (state ${d.state}${d.lastError ? `: ${d.lastError}` : ''})`));
      continue;
    }
    const translated = a.version.split('.')[0] !== r.flow.version.split('.')[0] ? ` (translated from ${r.flow.version})` : '';
    const idNote = a.deliveryIdSeen === d.deliveryId ? '' : out.bad(` (the hub says ${d.deliveryId})`);
    out.line(`      ${pad(out, d.recipient, w)}  ${out.bold(`${r.flow.type}@${a.version}`)}${translated}, Wasla-Delivery-Id ${a.deliveryIdSeen}${idNote}`);
    const at = d.attempt;
    const sig = a.verified === undefined ? '' : a.verified ? '; hub signature verified' : out.bad('; hub signature REFUSED');
    const rc = at?.receipt as { institution?: string; keyid?: string; unsigned?: boolean } | null | undefined;
    const receipt = !rc
      ? 'no receipt recorded'
      : rc.unsigned
        ? 'unsigned receipt, accepted by the agreement'
        : `signed receipt${rc.institution === d.recipient ? '' : ` from ${rc.institution}`}, key ${String(rc.keyid ?? '?').slice(0, 8)}`;
    const outcome = at
      ? `attempt ${at.number}: ${at.statusCode !== null ? `HTTP ${at.statusCode}` : 'no answer'} in ${Math.round(at.durationMs)} ms -> ${d.state}${sig}; ${receipt}`
      : `state ${d.state}`;
    out.line(`${indent}${d.state === 'delivered' ? outcome : out.bad(outcome)}`);
    const sameMajor = !translated;
    // in the order they were sent (the hub stores envelopes as jsonb, which reorders keys)
    const sent = Object.keys(r.flow.data);
    const order = (k: string) => (sent.includes(k) ? sent.indexOf(k) : sent.length);
    const got = sameMajor ? [...a.fields].sort((x, y) => order(x) - order(y)) : a.fields;
    const fields = got.map((k) => (sameMajor ? describeField(k, r.flow.data[k], a.data[k]) : k));
    for (const l of wrap(fields, `${indent}${a.fields.length} fields: `, `${indent}  `, WIDTH)) out.line(l);
    if (sameMajor) {
      const withheld = sent.filter((k) => !a.fields.includes(k));
      if (withheld.length) for (const l of wrap(withheld, `${indent}withheld: `, `${indent}  `, WIDTH)) out.line(out.dim(l));
    }
  }
  const c = r.flow.classification;
  if (c) {
    const uncleared = all.filter((id) => !cleared(id, c));
    const line = r.leaks.length
      ? out.bad(`    LEAK: received by ${r.leaks.join(', ')}, not cleared for ${c} cases`)
      : `    not received by any of the ${uncleared.length} institutions without ${c} clearance (their receivers got nothing)`;
    out.line(line);
  }
  if (r.unexpected.length && !c) out.line(out.bad(`    also received by ${r.unexpected.join(', ')}, which the demo did not expect`));
}

function printRefusal(out: Out, r: RefusalResult): void {
  const ok = r.status === r.flow.expectStatus && r.code === r.flow.expectCode;
  const head = `    hub: ${r.status} ${r.code} (${r.contentType.split(';')[0] || 'no content type'}): ${r.title}`;
  out.line(ok ? head : out.bad(head));
  if (r.detail) for (const l of wrap(r.detail.split(' '), '      ', '      ', WIDTH)) out.line(l);
  const w = Math.max(0, ...r.errors.map((e) => e.pointer.length));
  for (const e of r.errors) out.line(`      ${pad(out, e.pointer, w)}  ${e.detail ?? ''}`);
  out.line(out.dim('      a refused request is not stored and reaches no one'));
}

function printSummary(out: Out, r: DemoResult, elapsedMs: number): void {
  const firstTry = r.messages.every((m) => m.deliveries.every((d) => d.attempts <= 1));
  out.line();
  out.line(out.bold(`Summary (${(elapsedMs / 1000).toFixed(1)} s)`));
  out.line(`  messages sent    ${r.messages.length + r.refusals.length}: ${r.messages.filter((m) => m.status === 202).length} accepted, ${r.refusals.length} refused`);
  out.line(`  deliveries made  ${r.deliveriesMade} of ${r.deliveriesExpected} expected${r.deliveriesMade === r.deliveriesExpected && firstTry ? ', each on its first attempt' : ''}`);
  out.line(`  refusals         ${r.refusals.map((x) => `${x.status} ${x.code}${x.errors.length ? ` (${x.errors.map((e) => e.pointer).join(', ')})` : ''}`).join(', ')}`);
  for (const c of ['juvenile', 'gbv'] as const) {
    const classified = r.messages.filter((m) => m.flow.classification === c);
    if (!classified.length) continue;
    const leaks = classified.flatMap((m) => m.leaks);
    out.line(
      `  ${c.padEnd(17)}${classified.length} message${classified.length === 1 ? '' : 's'}, ${leaks.length ? out.bad(`LEAKED to ${[...new Set(leaks)].join(', ')}`) : 'received only by cleared institutions'}`,
    );
  }
  if (r.ok) out.line(out.good('  every expected delivery arrived; every check held'));
  else for (const f of r.failures) out.line(out.bad(`  FAILED: ${f}`));
}

function isMain(): boolean {
  return Boolean(process.argv[1]) && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('usage: npm run demo [-- --exit]\n  --exit  stop the hub when the demo is done; exit 1 if an expected delivery did not arrive\n');
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--exit');
  if (unknown.length) {
    process.stderr.write(`demo: unknown argument ${unknown.join(' ')} (try --help)\n`);
    return 2;
  }
  const exit = argv.includes('--exit');
  let result: DemoResult | undefined;
  /** copies of one Ctrl-C (relayed by npm and tsx) arrive within this many milliseconds */
  const RELAYED_SIGNAL_MS = 1000;
  let interruptedAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interruptedAt !== undefined) {
      // One Ctrl-C reaches this process more than once: from the terminal, and relayed by npm and
      // by tsx. Only a second Ctrl-C a moment later means "leave now" (the data directory is still
      // removed on exit).
      if (Date.now() - interruptedAt > RELAYED_SIGNAL_MS) process.exit(130);
      return;
    }
    interruptedAt = Date.now();
    process.stdout.write(`\n${signal}: stopping the hub and the receivers…\n`);
    const done = (code: number) => process.exit(code);
    // before the result exists, runDemo's own cleanup runs when its promise settles
    (result ? result.stop() : Promise.resolve()).then(
      () => {
        process.stdout.write('stopped.\n');
        done(result && !exit ? 0 : 130);
      },
      () => done(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    result = await runDemo({ exit });
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
  if (exit) return result.ok ? 0 : 1;
  return new Promise<number>(() => {}); // run until a signal
}

if (isMain()) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
