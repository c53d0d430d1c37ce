/**
 * Reading a message back (GET /v1/messages/{id}), with need to know: the sender sees the message,
 * its routing decision, every delivery and every attempt; a recipient sees the message's metadata
 * and its own delivery only, when the agreement that carried the message to it grants it the
 * `message-status` query — another agreement it holds does not count (issue 19.9); anyone else
 * cannot tell the message exists. Every read is on the audit log. A sealed payload (issue 26) is
 * opened only for its sender, who wrote it; a recipient's answer never holds the payload at all.
 */
import { ForbiddenError, NotFoundError } from '../errors.js';
import { authorizeQuery } from '../routing/index.js';
import type { Contracts } from '../routing/types.js';
import { getMessageView, openStored, type Db, type PayloadVault } from '../store/index.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Principal } from './principal.js';

type View = NonNullable<Awaited<ReturnType<typeof getMessageView>>>;

/** What a reader may see: everything (the sender), or the message's metadata and its own delivery (a recipient). */
export type MessageReading = { as: 'sender'; message: View['message']; deliveries: View['deliveries'] } | { as: 'recipient'; message: View['message']; delivery: View['deliveries'][number] };

export interface MessageService {
  read(principal: Principal, id: string): Promise<MessageReading>;
}

export interface MessageServiceDeps {
  db: Db;
  contracts: () => Contracts;
  audit: AuditWriter;
  /** opens a sealed payload for its sender (issue 26) */
  vault?: PayloadVault;
}

export function messageService(deps: MessageServiceDeps): MessageService {
  return {
    async read(p, id) {
      const view = await getMessageView(deps.db, id);
      if (!view) throw new NotFoundError('message-not-found', `no message ${id}`);
      if (view.message.sender === p.institution) {
        await deps.audit({ actor: p.institution, action: 'message.read', subject: id, data: { credential: p.credential } });
        const { envelope, receivedBody } = openStored(view.message, deps.vault);
        return { as: 'sender', message: { ...view.message, envelope, receivedBody }, deliveries: view.deliveries };
      }
      const own = view.deliveries.find((d) => d.recipient === p.institution);
      if (!own) throw new NotFoundError('message-not-found', `no message ${id}`);
      if (!authorizeQuery(deps.contracts(), p.institution, 'message-status', { agreement: own.agreement })) {
        throw new ForbiddenError('query-not-granted', `the agreement that carried this message to you (${own.agreement}) does not grant you the message-status query`);
      }
      await deps.audit({ actor: p.institution, action: 'message.status-queried', subject: id, data: { credential: p.credential } });
      return { as: 'recipient', message: view.message, delivery: own };
    },
  };
}
