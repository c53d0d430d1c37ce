/**
 * SDK: pull your deliveries from the hub's inbox — for an institution whose contract entry says
 * `"delivery": "pull"` because it cannot expose an endpoint (docs/inbox.md).
 *
 * Guarantees: `pullDeliveries` signs every request it makes to the hub (signRequest); hands your
 * handler a delivery only once its hub signature verifies (verifyDelivery, over exactly the request
 * a push would have made); and acknowledges it with a receipt signed over that request
 * (signReceipt) only after the handler returned — handlers run one at a time, in the order the hub
 * handed the deliveries out; receipts are sent while the next delivery is handled, and all of a
 * pull's receipts are answered before the next pull. Stopping (`signal`) stops pulling, never a
 * receipt already on its way. A handler that throws answers the delivery with
 * 503: the hub offers it again by its retry schedule. A delivery whose signature does not verify
 * is never handed over nor acknowledged: its lease lapses and the hub records the attempt as
 * abandoned. The hub may hand a delivery out again (a lease that lapsed, a receipt lost): dedupe
 * on `deliveryId`.
 */
import type { KeyInput, SignatureAlgorithm } from '../trust/algorithms.js';
import type { TrustAnchors } from '../trust/pki.js';
import { verifyDelivery, type VerifiedDelivery } from './delivery.js';
import type { HubKey } from './hub-keys.js';
import { signReceipt } from './receipt.js';
import { signRequest } from './requests.js';

export interface InboxCredentials {
  /** the hub's base URL, e.g. https://wasla.example */
  hubUrl: string;
  /** your private key and its certificate serial */
  key: KeyInput;
  keyid: string;
  alg: SignatureAlgorithm;
  /** the hub certificate(s), to verify deliveries; and the federation CA they must chain to */
  hub: HubKey | readonly HubKey[];
  caCertPems?: TrustAnchors;
  /** default: the global fetch */
  fetch?: typeof fetch;
}

/** What the handler receives: a delivery whose hub signature verified. */
export interface PulledDelivery extends VerifiedDelivery {
  attempt: number;
  /** the request a push would have made, as verified */
  request: Request;
  /** the body as JSON (the CloudEvents envelope, for json-http institutions); undefined if it is not JSON */
  json: unknown;
}

/** What the handler answers, as it would have answered a push (default: 200 with `{"ok":true}`). */
export interface HandlerAnswer {
  status?: number;
  body?: string;
  contentType?: string;
}

export interface PullOptions {
  /** deliveries a pull leases at most (1..100, default 10) */
  limit?: number;
  /** seconds each pull waits for a delivery when none waits (the hub caps it; default 20) */
  wait?: number;
  /** pull once and return, instead of until `signal` aborts */
  once?: boolean;
  signal?: AbortSignal;
  /** a delivery that cannot be verified, or a receipt the hub refused */
  onError?: (err: Error, deliveryId?: string) => void;
}

export interface PullSummary {
  pulled: number;
  acknowledged: number;
  /** handed to no handler: the signature did not verify */
  rejected: number;
  /** the handler threw: answered 503, to be offered again */
  failed: number;
}

interface WireDelivery {
  deliveryId: string;
  messageId: string;
  attempt: number;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
}

/** A signed request to the hub, answered with JSON; throws with the problem's detail on a refusal. */
async function hubCall(c: InboxCredentials, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<any> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const unsigned = new Request(new URL(path, c.hubUrl), {
    method,
    ...(text !== undefined && { body: text, headers: { 'content-type': 'application/json' } }),
  });
  const signed = await signRequest(unsigned, c.key, { keyid: c.keyid, alg: c.alg });
  const res = await (c.fetch ?? fetch)(signed, { signal });
  const answer = (await res.text()) || '{}';
  let doc: any;
  try {
    doc = JSON.parse(answer);
  } catch {
    doc = { detail: answer.slice(0, 200) };
  }
  if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status} ${doc.type ?? ''} ${doc.detail ?? ''}`.trim()), { status: res.status, problem: doc });
  return doc;
}

/**
 * Pull deliveries, verify each, give it to `handler`, and acknowledge it with a signed receipt.
 * Runs until `signal` aborts (or once, with `once`); resolves with what it did.
 */
export async function pullDeliveries(c: InboxCredentials, handler: (d: PulledDelivery) => Promise<HandlerAnswer | undefined> | Promise<void>, o: PullOptions = {}): Promise<PullSummary> {
  const sum: PullSummary = { pulled: 0, acknowledged: 0, rejected: 0, failed: 0 };
  const limit = Math.max(1, Math.min(100, Math.floor(o.limit ?? 10)));
  const wait = Math.max(0, Math.floor(o.wait ?? 20));
  const report = (err: unknown, id?: string) => o.onError?.(err instanceof Error ? err : new Error(String(err)), id);
  do {
    let items: WireDelivery[];
    try {
      items = (await hubCall(c, 'GET', `/v1/inbox?limit=${limit}&wait=${wait}`, undefined, o.signal)).items ?? [];
    } catch (err) {
      if (o.signal?.aborted) break;
      throw err;
    }
    // receipts go out while the next delivery is handled; all are answered before the next pull
    const receipts: Promise<void>[] = [];
    for (const item of items) {
      sum.pulled++;
      const w = item.request;
      const request = new Request(w.url, { method: w.method, headers: w.headers, body: new Uint8Array(Buffer.from(w.body, 'base64')) });
      let verified: VerifiedDelivery;
      try {
        verified = await verifyDelivery(request.clone(), c.hub, { caCertPems: c.caCertPems });
        if (verified.deliveryId !== item.deliveryId) throw new Error(`the signed delivery id ${verified.deliveryId} is not ${item.deliveryId}`);
      } catch (err) {
        sum.rejected++;
        report(err, item.deliveryId);
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(verified.body.toString('utf8'));
      } catch {
        json = undefined;
      }
      let answer: HandlerAnswer;
      try {
        answer = (await handler({ ...verified, attempt: item.attempt, request: request.clone(), json })) ?? {};
      } catch (err) {
        sum.failed++;
        report(err, item.deliveryId);
        answer = { status: 503, body: JSON.stringify({ error: 'the handler failed' }) };
      }
      const status = answer.status ?? 200;
      const receipt = await signReceipt(new Response(answer.body ?? '{"ok":true}', { status, headers: { 'content-type': answer.contentType ?? 'application/json' } }), c.key, {
        keyid: c.keyid,
        alg: c.alg,
        request,
      });
      const headers: Record<string, string> = {};
      receipt.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const body = Buffer.from(await receipt.arrayBuffer()).toString('base64');
      // not cut short by `signal`: what was handled is acknowledged even while stopping
      receipts.push(
        hubCall(c, 'POST', `/v1/inbox/${item.deliveryId}/receipt`, { status, headers, body }).then(
          () => {
            if (status >= 200 && status < 300) sum.acknowledged++;
          },
          (err) => report(err, item.deliveryId),
        ),
      );
    }
    await Promise.all(receipts);
  } while (!o.once && !o.signal?.aborted);
  return sum;
}
