/**
 * The hub's signature on its answers to case queries (issue 24): with the hub key the deliveries
 * are signed with, over QUERY_ANSWER_COMPONENTS, `created` set to the answer's `asOf`. The answer is
 * thereby evidence of what the hub said, to whom (the caller's own request signature is covered),
 * about what (the target URI holds the query and its parameters) and when.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { signingAlgorithmOf, type SignatureAlgorithm } from './algorithms.js';
import type { HeaderRecord } from './message.js';
import { signPlainAnswer, type PlainRequest } from './plain-messages.js';

export interface AnswerToSign {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** the answer's time: the signature's `created` */
  at: Date;
}

/** Returns the answer's headers with content-digest, signature-input and signature added. */
export type AnswerSigner = (answer: AnswerToSign, request: { method: string; url: string; headers: HeaderRecord }) => Record<string, string>;

export function answerSigner(hub: { keyPem: string; serial: string; alg?: SignatureAlgorithm }): AnswerSigner {
  const key: KeyObject = createPrivateKey(hub.keyPem);
  const alg = hub.alg ?? signingAlgorithmOf(key);
  return (answer, request) => {
    const req: PlainRequest = { method: request.method, url: request.url, headers: request.headers };
    return signPlainAnswer({ status: answer.status, headers: answer.headers, body: answer.body }, req, { key, keyid: hub.serial, alg, created: answer.at }).headers;
  };
}
