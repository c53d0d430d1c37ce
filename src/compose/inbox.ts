/**
 * The pull inbox part (issue 22), started with the api role: the bell that wakes long polls (in
 * process in embedded mode; over a Redis channel shared by every api process in server mode, so
 * the process that commits a message wakes the one holding its recipient's long poll), the
 * dispatcher intake and replays use — whose jobs for a pulling recipient ring the bell instead of
 * reaching a worker — and what the inbox service needs: the hub key to sign what it hands out (read
 * from WASLA_PKI_DIR at the first pull, as a worker does at start), the receipt check and the
 * retry schedule's rule, the same as a push attempt's.
 */
import { ConfigError } from '../errors.js';
import { pulls } from '../federation/index.js';
import { LocalBell, RedisBell, ringingDispatcher, type Dispatcher, type InboxBell } from '../queue/index.js';
import type { InboxServiceDeps } from '../services/index.js';
import { ensureHubCertificate } from '../trust/index.js';
import { attemptRecord, buildOutbound, type OutboundSigner } from '../workers/delivery.js';
import { checkReceipt, deliverySigner } from '../workers/delivery-signing.js';
import { attemptRecorder } from '../workers/attempt-recorder.js';
import type { Configuration } from './configuration.js';
import type { Lifecycle } from './lifecycle.js';
import { openSubscriber, type Resources } from './resources.js';

export interface Inbox {
  bell: InboxBell;
  /** the dispatcher for intake and replays: jobs for pulling recipients ring the bell */
  dispatcher: Dispatcher;
  /** the inbox service's needs (services/inbox.ts), apart from the database, contracts and log */
  service: Omit<InboxServiceDeps, 'db' | 'contracts' | 'log'>;
}

/** the Redis channel the api processes of one hub ring each other's inbox bells on */
export function inboxChannel(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:inbox`;
}

export async function startInbox(c: Configuration, res: Resources, life: Lifecycle, o: { sign?: OutboundSigner } = {}): Promise<Inbox> {
  const { cfg, log } = c;
  let bell: InboxBell;
  if (res.sharedRedis) {
    const subscriber = await openSubscriber(cfg.redisUrl!);
    try {
      bell = await RedisBell.start(res.sharedRedis, subscriber, inboxChannel(c.prefix, cfg.queueName));
    } catch (err) {
      // rings are hints: without them a long poll still finds its deliveries by its own poll
      log.warn({ err: (err as Error).message }, 'cannot subscribe to inbox rings; long polls fall back to polling');
      subscriber.disconnect();
      bell = new LocalBell();
    }
  } else {
    bell = new LocalBell();
  }
  life.onStop('inbox bell', () => bell.close());

  let sign: OutboundSigner | undefined = o.sign;
  const signer = (): OutboundSigner => {
    if (sign) return sign;
    try {
      const hubKey = ensureHubCertificate(cfg.pkiDir, cfg.hubKeyType);
      sign = deliverySigner({ keyPem: hubKey.keyPem, serial: hubKey.serial });
      return sign;
    } catch (err) {
      throw new ConfigError('WASLA_PKI_DIR', `the inbox signs what it hands out with the hub key (hub.key.pem, hub.cert.pem) in ${cfg.pkiDir}: ${(err as Error).message}`);
    }
  };
  const isPull = (recipient: string) => pulls(c.contracts().institution(recipient));
  return {
    bell,
    dispatcher: ringingDispatcher(res.dispatcher, bell, isPull),
    service: {
      bell,
      metrics: res.metrics,
      leaseMs: cfg.inboxLeaseMs,
      attemptTimeoutMs: cfg.attemptTimeoutMs,
      pollMs: cfg.inboxPollMs,
      maxWaitMs: cfg.inboxMaxWaitSeconds * 1000,
      // at shutdown a waiting pull answers within one poll, instead of holding the listener open
      accepting: res.operations.accepting,
      vault: res.vault,
      build: (claim, planned) => buildOutbound(c.contracts(), signer(), claim, planned).req,
      checkReceipt: (recipient, req, answer) => checkReceipt(res.resolver, recipient, req, answer),
      attemptRecord: (d, outcome, exchange) => attemptRecord(d, outcome, exchange),
      // receipts that arrive together share one record statement, as push attempts do
      record: attemptRecorder(res.db, log),
    },
  };
}

/** the institutions of the contract set in force that pull their deliveries */
export function pullingInstitutions(c: Configuration): string[] {
  return [...c.contracts().institutions.values()].filter((i) => pulls(i)).map((i) => i.id);
}
