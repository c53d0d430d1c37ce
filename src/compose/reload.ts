/**
 * The contract reload part: one way to put a new contract set in force, and the two ways operators
 * ask for it — `wasla contracts reload` publishes on a Redis channel every process of a server-mode
 * hub listens to; an embedded hub (or any process started with `reloadOnSighup`) takes SIGHUP. A set
 * with faults is refused and the one in force stays; each reload is on the audit log.
 */
import type { Contracts } from '../routing/types.js';
import type { Configuration } from './configuration.js';
import type { Lifecycle } from './lifecycle.js';
import { openSubscriber, type Resources } from './resources.js';

/**
 * The Redis channel on which operators ask every process of one hub to reload its contracts. Redis
 * pub/sub ignores the database index and the hub's key prefix, so the channel names the hub the way
 * its queue does — key prefix, queue name and database index — and one hub's reload never reloads
 * another hub on the same Redis (issue 19.6).
 */
export function reloadChannel(opts: { prefix?: string; queueName: string; redisUrl: string }): string {
  const db = Number(new URL(opts.redisUrl).pathname.slice(1) || 0);
  return `${opts.prefix ?? 'wasla'}:${opts.queueName}:db${Number.isInteger(db) ? db : 0}:contracts:reload`;
}

export interface ContractReload {
  /** load the contract set again; on a fault the old one stays in force and the error is thrown */
  reload(actor: string): Promise<Contracts>;
}

export async function startContractReload(c: Configuration, res: Resources, life: Lifecycle, o: { reloadOnSighup?: boolean } = {}): Promise<ContractReload> {
  const { cfg, log } = c;
  const reload = async (actor: string) => {
    const next = c.loadContracts();
    // a reload is also how operators make every process drop cached certificates (revocation)
    res.resolver.clear();
    await res.syncCertificates();
    c.useContracts(next);
    await res.audit({ actor, action: 'contracts.reloaded', subject: cfg.contractsDir, data: { institutions: next.institutions.size, types: next.catalogue.list().length } });
    log.info({ actor }, 'contracts reloaded');
    return next;
  };
  const requested = (actor: string) => {
    reload(actor).catch((err) => log.error({ err: (err as Error).message }, 'contracts reload refused; the previous set stays in force'));
  };

  if (cfg.mode === 'server') {
    const sub = await openSubscriber(cfg.redisUrl!);
    life.onStop('reload subscription', () => sub.disconnect());
    const channel = reloadChannel({ prefix: c.prefix, queueName: cfg.queueName, redisUrl: cfg.redisUrl! });
    await sub.subscribe(channel).catch((err) => log.warn({ err: (err as Error).message }, 'cannot subscribe to contract reloads'));
    sub.on('message', (ch, actor) => {
      if (ch === channel) requested(actor || 'operator');
    });
  }
  if (o.reloadOnSighup) {
    const onSighup = () => requested('operator:SIGHUP');
    process.on('SIGHUP', onSighup);
    life.onStop('SIGHUP handler', () => {
      process.off('SIGHUP', onSighup);
    });
  }
  return { reload };
}
