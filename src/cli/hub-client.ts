/**
 * The CLI as an institution or an operator talking to a running hub: every request signed with the
 * SDK (RFC 9421), exactly as an institution's own system would.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { signRequest } from '../client/index.js';
import { parseCertificate, signingAlgorithmOf } from '../trust/index.js';

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

export async function hubRequest(o: Partial<HubClientOptions>, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const hub = o.hub ?? process.env.WASLA_HUB_URL ?? 'http://127.0.0.1:8080';
  const keyFile = o.key ?? process.env.WASLA_KEY_FILE;
  const certFile = o.cert ?? process.env.WASLA_CERT_FILE;
  if (!keyFile || !certFile) throw new Error('sign with --key <file> --cert <file> (or WASLA_KEY_FILE / WASLA_CERT_FILE): `wasla institution enroll` writes both');
  const keyPem = readFileSync(keyFile, 'utf8');
  const cert = parseCertificate(readFileSync(certFile, 'utf8'));
  const alg = signingAlgorithmOf(cert.publicKey);
  const req = new Request(new URL(path, hub), { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers }, body });
  const signed = await signRequest(req, keyPem, { keyid: cert.serial, alg });
  const res = await fetch(signed);
  return { status: res.status, text: await res.text() };
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
