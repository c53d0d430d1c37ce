/**
 * Payload keys, for admins (issue 26): how many encrypted payloads each key-encryption key wraps,
 * and a rewrap of those not under the current key, on request. Both are `payload-keys.rotate`
 * (admins only: record/roles.ts) and on the audit log with the operator as actor. Neither ever
 * shows a key or a payload: ids and counts only.
 */
import type { AuditWriter } from '../audit/writer.js';
import type { Contracts } from '../routing/types.js';
import { payloadKeyCounts, rewrapPayloadKeys, type Db, type PayloadVault, type RewrapResult } from '../store/index.js';
import { UnavailableError } from '../errors.js';
import { actorOf, requireRole } from './operators.js';
import type { Principal } from './principal.js';

export interface PayloadKeyStatus {
  /** the key that wraps every new data key */
  current: string;
  /** every configured key id, the current one first */
  configured: string[];
  /** encrypted messages per key id (ids not configured here included: their payloads do not open) */
  messages: Array<{ kekId: string; messages: number; configured: boolean }>;
  /** encrypted messages not yet under the current key */
  toRewrap: number;
}

export interface PayloadKeyService {
  status(p: Principal): Promise<PayloadKeyStatus>;
  /** rewraps up to `limit` data keys now (the worker's background job does the same, bounded per pass) */
  rewrap(p: Principal, limit: number): Promise<RewrapResult & { status: PayloadKeyStatus }>;
}

export async function keyStatus(db: Db, vault: PayloadVault): Promise<PayloadKeyStatus> {
  const counts = await payloadKeyCounts(db);
  const current = vault.keyring.current;
  return {
    current,
    configured: vault.keyring.ids(),
    messages: counts.map((c) => ({ ...c, configured: vault.keyring.has(c.kekId) })),
    toRewrap: counts.filter((c) => c.kekId !== current).reduce((n, c) => n + c.messages, 0),
  };
}

export function payloadKeyService(deps: { db: Db; contracts: () => Contracts; audit: AuditWriter; vault?: PayloadVault }): PayloadKeyService {
  const vault = () => {
    if (!deps.vault) throw new UnavailableError('this process holds no payload keys');
    return deps.vault;
  };
  return {
    async status(p) {
      requireRole(deps.contracts(), p, 'payload-keys.rotate');
      const s = await keyStatus(deps.db, vault());
      await deps.audit({ actor: actorOf(p), action: 'payload-keys.read', subject: null, data: { current: s.current, toRewrap: s.toRewrap } });
      return s;
    },
    async rewrap(p, limit) {
      requireRole(deps.contracts(), p, 'payload-keys.rotate');
      const r = await rewrapPayloadKeys(deps.db, vault(), { limit });
      await deps.audit({
        actor: actorOf(p),
        action: 'payload-keys.rewrapped',
        subject: null,
        data: { current: vault().keyring.current, rewrapped: r.rewrapped, failed: r.failed, failedIds: r.failedIds.slice(0, 20), more: r.more },
      });
      return { ...r, status: await keyStatus(deps.db, vault()) };
    },
  };
}
