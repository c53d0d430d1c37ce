/**
 * Test support: the RFC 9421 Appendix B and RFC 9530 reference data, kept in
 * tests/fixtures/rfc9421 (its README names where each file comes from), so that the vector suites
 * run on every clone and never skip.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { headersFromRecord, type SignableMessage } from '../../../src/trust/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RFC_DIR = path.resolve(here, '../../fixtures/rfc9421');

export interface AppendixB {
  keys: Record<string, { public_pem?: string; private_pem?: string; base64?: string }>;
  messages: Record<string, string>;
  test_cases: Array<{
    id: string;
    label: string;
    message: string;
    algorithm: string;
    keyid: string;
    covered_components: string[];
    signature_params: Array<[string, string | number]>;
    signature_params_serialized: string;
    expected_signature_base: string;
    expected_signature_input_header: string;
    expected_signature_header: string;
    expected_signature_b64: string;
    deterministic: boolean;
  }>;
}

export interface DigestVectors {
  vectors: Array<{ id: string; content_utf8: string; algorithm: 'sha-256' | 'sha-512'; expected_field_value: string }>;
  parsing_only_examples: Array<{ field: string }>;
  legacy_values_appD_not_for_new_use: Record<string, string>;
}

export function loadAppendixB(): AppendixB {
  return JSON.parse(readFileSync(path.join(RFC_DIR, 'appendix-b2.json'), 'utf8')) as AppendixB;
}

export function loadDigestVectors(): DigestVectors {
  return JSON.parse(readFileSync(path.join(RFC_DIR, 'rfc9530-content-digest.json'), 'utf8')) as DigestVectors;
}

export interface RawMessage extends SignableMessage {
  body: string;
  rawHeaders: Record<string, string[]>;
}

/** Reads an RFC-style HTTP/1.1 message (LF line endings); requests get an https target URI. */
export function parseHttpMessage(raw: string, request?: SignableMessage): RawMessage {
  const split = raw.indexOf('\n\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 2) : '';
  const lines = head.split('\n');
  const first = lines.shift()!;
  const rawHeaders: Record<string, string[]> = {};
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      // obsolete line folding: continue the previous field line
      const keys = Object.keys(rawHeaders);
      const last = rawHeaders[keys[keys.length - 1]];
      last[last.length - 1] += '\n' + line;
      continue;
    }
    const i = line.indexOf(':');
    (rawHeaders[line.slice(0, i).toLowerCase()] ??= []).push(line.slice(i + 1));
  }
  const headers = headersFromRecord(rawHeaders);
  if (first.startsWith('HTTP/')) {
    return { status: Number(first.split(' ')[1]), headers, body, rawHeaders, ...(request ? { request } : {}) };
  }
  const [method, target] = first.split(' ');
  return { method, url: `https://${headers.get('host')}${target}`, headers, body, rawHeaders };
}
