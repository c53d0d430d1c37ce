CREATE TABLE "audit_seals" (
	"seal" bigint PRIMARY KEY NOT NULL,
	"first_seq" bigint NOT NULL,
	"after_tx" "xid8" NOT NULL,
	"after_id" bigint NOT NULL,
	"upto_tx" "xid8" NOT NULL,
	"upto_id" bigint NOT NULL,
	"entry_ids" bigint[] NOT NULL,
	"hashes" "bytea" NOT NULL,
	"prev_hash" text NOT NULL,
	"head_hash" text NOT NULL,
	"sealed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "audit_log_unsealed_idx";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "tx" "xid8";--> statement-breakpoint
-- Entries written before this migration: those already sealed keep their per-entry chain link and
-- get tx 0 (verified by seq, as before); those still waiting get tx 1, so the first seal takes them
-- (in id order) ahead of every later entry, whose tx is a real transaction id (3 or more).
UPDATE "audit_log" SET "tx" = CASE WHEN "seq" IS NULL THEN '1'::xid8 ELSE '0'::xid8 END;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "tx" SET DEFAULT pg_current_xact_id();--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "tx" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_tx_id_idx" ON "audit_log" USING btree ("tx","id");