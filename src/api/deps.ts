import type { Logger } from 'pino';
import type { Authenticator } from './auth.js';
import type { Metrics } from '../metrics.js';
import type { Contracts } from '../routing/types.js';
import type { Services } from '../services/index.js';
import type { AnswerSigner } from '../trust/index.js';

/** What the HTTP layer needs from the rest of the hub; the composition root supplies it. */
export interface ApiDeps {
  version: string;
  mode: 'embedded' | 'server';
  maxBodyBytes: number;
  /** issue 23: bytes a camt statement may have (POST /v1/statements); default 16 MiB */
  maxStatementBytes?: number;
  /** the use cases the routes call: each authorizes, does the work and writes the audit log */
  services: Services;
  /** the contract set in force (the catalogue the schema routes publish) */
  contracts: () => Contracts;
  metrics: Metrics;
  log: Logger;
  authenticate: Authenticator;
  /** readiness of each dependency: throws when unreachable */
  checks: Record<string, () => Promise<void>>;
  /** sampled at scrape time */
  sample: () => Promise<void>;
  /** false once shutdown began: /readyz answers 503 so load balancers drain us */
  accepting: () => boolean;
  /** when set, /metrics answers only `Authorization: Bearer <token>` */
  metricsToken?: string;
  /** the trust anchors institutions verify deliveries with */
  trust: () => { caCertPem: string; hubCertPems: Promise<string[]> };
  /** issue 24: signs answers to case queries with the hub key */
  signAnswer: AnswerSigner;
}
