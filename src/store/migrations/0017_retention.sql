ALTER TABLE "messages" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
CREATE TABLE "legal_holds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"issuer" text NOT NULL,
	"case_ref" text NOT NULL,
	"case_value" text NOT NULL,
	"reason" text NOT NULL,
	"placed_by" text NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"lifted_by" text,
	"lifted_at" timestamp with time zone,
	"lift_reason" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "legal_holds_active_uq" ON "legal_holds" USING btree ("issuer","case_value") WHERE lifted_at is null;
