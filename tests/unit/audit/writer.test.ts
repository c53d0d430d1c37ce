import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { AUDIT_ACTIONS, appendAudit, auditInsert, type AuditAction } from '../../../src/audit/writer.js';

const dialect = new PgDialect();
const render = (q: ReturnType<typeof sql>) => dialect.sqlToQuery(q);

describe('the audit writer', () => {
  it('writes every entry with the one time rule, whichever path appends it', async () => {
    const statements: string[] = [];
    await appendAudit({ execute: async (q) => void statements.push(render(q).sql) }, [{ actor: 'a', action: 'message.read', subject: 'x' }]);
    const inline = render(auditInsert({ actor: sql`v.actor`, action: 'delivery.attempt', subject: sql`v.id`, data: sql`v.data`, from: sql`from v` })).sql;
    for (const text of [...statements, inline]) {
      expect(text).toContain('insert into audit_log (at, actor, action, subject, data)');
      expect(text).toContain("date_trunc('milliseconds', now())");
    }
  });

  it('writes a fixed action as a literal, so a prepared statement keeps its text', () => {
    const q = render(auditInsert({ actor: sql`'w'`, action: 'delivery.expired', subject: sql`u.id`, data: sql`'{}'::jsonb`, from: sql`from u` }));
    expect(q.sql).toContain("'delivery.expired'");
    expect(q.params).toEqual([]);
  });

  it('refuses an action that is not in the list', () => {
    expect(() => auditInsert({ actor: sql`'w'`, action: "x'; drop table audit_log; --" as AuditAction, subject: sql`''`, data: sql`'{}'`, from: sql`` })).toThrow(/not an audit action/);
  });

  it('appends nothing for no records', async () => {
    let calls = 0;
    await appendAudit({ execute: async () => void calls++ }, []);
    expect(calls).toBe(0);
  });

  it('lists each action once', () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
  });
});
