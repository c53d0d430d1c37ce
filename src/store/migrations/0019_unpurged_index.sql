-- issue 29: "messages_unpurged_type_received_idx" ON "messages" ("type","received_at","id") WHERE purged_at is null
-- is not built here: a migration runs in a transaction, and CREATE INDEX there would hold back every
-- write to messages while it reads the whole table (1.5 s for a million messages, longer with more).
-- store/online-indexes.ts builds it right after the migrations, CONCURRENTLY on a PostgreSQL server.
SELECT 1;
