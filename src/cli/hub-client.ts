/**
 * The CLI as an institution or an operator talking to a running hub: every request signed with the
 * SDK (RFC 9421), exactly as an institution's own system would.
 */
import type { Command } from 'commander';
import { parseRetryAfter } from '../adapters/index.js';
import { signRequest } from '../client/index.js';
import { readCredentials } from './credentials.js';

export interface HubClientOptions {
  hub: string;
  key: string;
  cert: string;
}

export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('--hub <url>', 'the hub (default $WASLA_HUB_URL or http://127.0.0.1:8080)')
    .option('--key <file>', 'your private key PEM (default $WASLA_KEY_FILE)')
    .option('--cert <file>', 'your certificate PEM: its serial is the keyid (default $WASLA_CERT_FILE)');
}

/**
 * When a request may be sent again: after a 503 (the hub stored nothing, or — the database lost
 * mid-commit — may have; an Idempotency-Key makes either safe) or a connection that failed.
 */
export interface ResendPolicy {
  /** how many times to send again; 0: never */
  retries: number;
  /** the longest wait before one resend, in seconds (a Retry-After beyond it is cut to it) */
  maxWaitSeconds: number;
  /** told before each wait */
  onResend?: (info: { retry: number; retries: number; waitSeconds: number; reason: string }) => void;
}

const NO_RESEND: ResendPolicy = { retries: 0, maxWaitSeconds: 0 };

/** No answer from the hub: the connection failed (the request may or may not have reached it). */
export class HubUnreachableError extends Error {}

/**
 * Send a request to the hub, signed with the SDK. Each resend is signed anew: the hub's replay
 * guard refuses a signature it has already seen (401 signature-replayed), so the first request's
 * signature cannot be sent twice.
 */
export async function hubRequest(
  o: Partial<HubClientOptions>,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  resend: ResendPolicy = NO_RESEND,
): Promise<{ status: number; text: string }> {
  const hub = o.hub ?? process.env.WASLA_HUB_URL ?? 'http://127.0.0.1:8080';
  const keyFile = o.key ?? process.env.WASLA_KEY_FILE;
  const certFile = o.cert ?? process.env.WASLA_CERT_FILE;
  if (!keyFile || !certFile) throw new Error('sign with --key <file> --cert <file> (or WASLA_KEY_FILE / WASLA_CERT_FILE): `wasla institution enroll` writes both');
  const { keyPem, cert, alg } = readCredentials(keyFile, certFile);
  let url: URL;
  try {
    url = new URL(path, hub);
  } catch {
    throw new Error(`--hub ${hub}: not a URL; name the hub as http(s)://host:port (--hub or WASLA_HUB_URL)`);
  }
  for (let retry = 1; ; retry++) {
    const req = new Request(url, { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers }, body });
    const signed = await signRequest(req, keyPem, { keyid: cert.serial, alg });
    let answer: { status: number; text: string; retryAfter: string | null } | undefined;
    let failure: Error | undefined;
    try {
      const res = await fetch(signed);
      answer = { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      failure = err as Error;
    }
    const again = retry <= resend.retries && (failure !== undefined || answer!.status === 503);
    if (!again) {
      if (failure) {
        throw new HubUnreachableError(
          `no answer from the hub at ${url.origin} (${method} ${url.pathname}: ${connectionFailure(failure)}); is it running there? Name another with --hub <url> or WASLA_HUB_URL`,
        );
      }
      return { status: answer!.status, text: answer!.text };
    }
    // no Retry-After on a failed connection: wait a second more each time
    const retryAfterMs = answer ? parseRetryAfter(answer.retryAfter ?? undefined) : undefined;
    const waitSeconds = Math.min(resend.maxWaitSeconds, answer ? Math.ceil((retryAfterMs ?? 1000) / 1000) : retry);
    resend.onResend?.({ retry, retries: resend.retries, waitSeconds, reason: failure ? connectionFailure(failure) : `HTTP 503 ${problemSummary(answer!.text)}` });
    await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
  }
}

function problemSummary(text: string): string {
  try {
    const p = JSON.parse(text) as { type?: unknown; title?: unknown };
    const code = typeof p.type === 'string' ? p.type.replace(/^.*\//, '') : '';
    return [code, typeof p.title === 'string' ? `(${p.title})` : ''].filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

function connectionFailure(err: Error): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `${err.message} (${cause.code})` : err.message;
}

export function printAnswer(r: { status: number; text: string }): void {
  let pretty = r.text;
  try {
    pretty = JSON.stringify(JSON.parse(r.text), null, 2);
  } catch {
    // not JSON: print as is
  }
  process.stdout.write(`HTTP ${r.status}\n${pretty}\n`);
  if (r.status >= 400) process.exitCode = 1;
}
