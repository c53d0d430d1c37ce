/**
 * Indexes built after the migrations, not in them (issue 29). A migration runs in a transaction,
 * where CREATE INDEX holds back every write to its table while it reads the whole of it: seconds
 * for a hub holding millions of messages, during which intake waits. On a PostgreSQL server these
 * are built with CREATE INDEX CONCURRENTLY instead, which lets writes go on; the schema (and
 * drizzle's snapshot) declares them like any other, and their migration only says so.
 *
 * A concurrent build that failed (the process killed, a server restart) leaves an invalid index
 * behind, which PostgreSQL keeps up to date but never uses: it is dropped and built again. The
 * caller holds the migration lock, so one process of a federation builds at a time.
 */

export interface OnlineIndex {
  name: string;
  /** what follows `on` in CREATE INDEX */
  definition: string;
}

export const ONLINE_INDEXES: readonly OnlineIndex[] = [
  // retention (store/retention.ts): the messages not purged yet, by type in the order they are purged
  { name: 'messages_unpurged_type_received_idx', definition: 'messages using btree (type, received_at, id) where purged_at is null' },
];

type Run = (text: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** Builds what is missing; `concurrent` on a server, not in PGlite (one connection, nobody else writes). Returns the names built. */
export async function buildOnlineIndexes(run: Run, concurrent: boolean, indexes: readonly OnlineIndex[] = ONLINE_INDEXES): Promise<string[]> {
  const built: string[] = [];
  for (const ix of indexes) {
    const { rows } = await run(
      `select i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid
       where c.relname = $1 and c.relnamespace = current_schema()::regnamespace`,
      [ix.name],
    );
    if (rows[0]?.valid === true) continue;
    if (rows[0]) await run(`drop index ${concurrent ? 'concurrently ' : ''}"${ix.name}"`);
    await run(`create index ${concurrent ? 'concurrently ' : ''}"${ix.name}" on ${ix.definition}`);
    built.push(ix.name);
  }
  return built;
}
