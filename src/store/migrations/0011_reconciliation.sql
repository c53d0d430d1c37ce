CREATE TABLE "bank_entries" (
	"bank" text NOT NULL,
	"identity" text NOT NULL,
	"statement" uuid NOT NULL,
	"entry_index" integer NOT NULL,
	"amount" text NOT NULL,
	"currency" text NOT NULL,
	"credit_debit" text NOT NULL,
	"status" text NOT NULL,
	"reversal" boolean NOT NULL,
	"booking_date" text,
	"value_date" text,
	"reference" text,
	CONSTRAINT "bank_entries_bank_identity_pk" PRIMARY KEY("bank","identity")
);
--> statement-breakpoint
CREATE TABLE "bank_payouts" (
	"bank" text NOT NULL,
	"end_to_end_id" text NOT NULL,
	"message_id" uuid NOT NULL,
	"sender" text NOT NULL,
	"order_number" text,
	"instruction_id" text,
	"case_ref" text,
	"amount" text NOT NULL,
	"currency" text NOT NULL,
	"creditor_iban" text NOT NULL,
	"requested_execution_date" text NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"settled" text DEFAULT '0' NOT NULL,
	"return_reason" text,
	"last_statement" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_payouts_bank_end_to_end_id_pk" PRIMARY KEY("bank","end_to_end_id")
);
--> statement-breakpoint
CREATE TABLE "bank_reconciliations" (
	"statement" uuid PRIMARY KEY NOT NULL,
	"bank" text NOT NULL,
	"holder" text NOT NULL,
	"statement_id" text NOT NULL,
	"unmatched" integer NOT NULL,
	"flagged" boolean NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bank_statements" (
	"id" uuid PRIMARY KEY NOT NULL,
	"bank" text NOT NULL,
	"identity" text NOT NULL,
	"statement_id" text NOT NULL,
	"message_id" text NOT NULL,
	"kind" text NOT NULL,
	"version" text NOT NULL,
	"account" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "bank_entries_statement_idx" ON "bank_entries" USING btree ("statement");--> statement-breakpoint
CREATE INDEX "bank_payouts_state_idx" ON "bank_payouts" USING btree ("bank","state");--> statement-breakpoint
CREATE INDEX "bank_reconciliations_created_idx" ON "bank_reconciliations" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_statements_identity_idx" ON "bank_statements" USING btree ("bank","identity");--> statement-breakpoint
CREATE INDEX "bank_statements_received_idx" ON "bank_statements" USING btree ("received_at");