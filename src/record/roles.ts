/**
 * Operator roles (issue 26, item 6): operators are people, each with one role, carried by their
 * certificate (operator-cert.ts). `may(role, action)` is the whole permission table: deny by
 * default, so an action nobody lists, a certificate without a role and an unknown role may do
 * nothing.
 *
 *   admin     the contract set, certificates, payload keys, retention; deliveries and replays
 *   operator  deliveries: list, replay; message status
 *   auditor   reads the log, exports and reports; changes nothing
 *
 * Each action says whether it changes the hub's state; a test holds the auditor to read-only actions.
 * Reading a confidential payload is no role's right: payloads reach people through agreements and
 * clearances, not through the operators' console.
 */

export const ROLES = ['admin', 'operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

interface ActionRule {
  /** what it does, for the docs and for a refusal's detail */
  does: string;
  /** whether it changes the hub's state or the record */
  changes: boolean;
  roles: readonly Role[];
}

/** Every operator action, named `<subject>.<verb>`. */
export const ACTIONS = {
  'contracts.reload': { does: 'load a new contract set (institutions, agreements, catalogue)', changes: true, roles: ['admin'] },
  'contracts.read': { does: 'read the contract set in force and the routing table', changes: false, roles: ['admin', 'operator', 'auditor'] },
  'certificates.enroll': { does: 'enroll an institution or an operator (issue a certificate)', changes: true, roles: ['admin'] },
  'certificates.register': { does: 'register a certificate issued elsewhere', changes: true, roles: ['admin'] },
  'certificates.revoke': { does: 'revoke a certificate', changes: true, roles: ['admin'] },
  'certificates.read': { does: 'list certificates and revocations', changes: false, roles: ['admin', 'operator', 'auditor'] },
  'deliveries.read': { does: 'list deliveries and their attempts, dead letters included', changes: false, roles: ['admin', 'operator', 'auditor'] },
  'deliveries.replay': { does: 'replay a dead or delivered delivery, one or in bulk', changes: true, roles: ['admin', 'operator'] },
  'messages.status': { does: "read a message's metadata and delivery states (not its payload)", changes: false, roles: ['admin', 'operator', 'auditor'] },
  'audit.read': { does: 'read audit log entries', changes: false, roles: ['admin', 'auditor'] },
  'audit.verify': { does: 'verify the audit chain', changes: false, roles: ['admin', 'operator', 'auditor'] },
  'audit.export': { does: 'export a signed audit bundle', changes: false, roles: ['admin', 'auditor'] },
  'reports.read': { does: 'read reports and statistics', changes: false, roles: ['admin', 'auditor'] },
  'payload-keys.rotate': { does: 'rewrap confidential payloads under the current key-encryption key', changes: true, roles: ['admin'] },
  'retention.run': { does: 'purge payloads past their retention period', changes: true, roles: ['admin'] },
  'legal-hold.set': { does: 'place or lift a legal hold on a case', changes: true, roles: ['admin'] },
  'legal-holds.read': { does: 'list legal holds, in force and lifted', changes: false, roles: ['admin', 'operator', 'auditor'] },
} as const satisfies Record<string, ActionRule>;

export type Action = keyof typeof ACTIONS;

export function isAction(v: unknown): v is Action {
  return typeof v === 'string' && Object.hasOwn(ACTIONS, v);
}

/** Whether `role` may do `action`. No role, an unknown role or an unknown action: no. */
export function may(role: Role | null | undefined, action: Action | string): boolean {
  if (!isRole(role) || !isAction(action)) return false;
  return (ACTIONS[action].roles as readonly Role[]).includes(role);
}

/** The actions `role` may do, in table order. */
export function actionsOf(role: Role): Action[] {
  return (Object.keys(ACTIONS) as Action[]).filter((a) => may(role, a));
}
