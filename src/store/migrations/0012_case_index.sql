-- keys compare and sort byte by byte (COLLATE "C"): the order pages and cursors follow is the same
-- on every server, whatever its locale, and the same as the in-memory index (queries/memory-index.ts)
CREATE TABLE "case_index" (
	"kind" text COLLATE "C" NOT NULL,
	"issuer" text COLLATE "C" DEFAULT '' NOT NULL,
	"value" text COLLATE "C" NOT NULL,
	"message_id" uuid NOT NULL,
	"type" text NOT NULL,
	"classification" text NOT NULL,
	CONSTRAINT "case_index_kind_value_issuer_message_id_pk" PRIMARY KEY("kind","value","issuer","message_id")
);
--> statement-breakpoint
ALTER TABLE "case_index" ADD CONSTRAINT "case_index_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_index_by_issuer" ON "case_index" USING btree ("kind","issuer","value");--> statement-breakpoint
CREATE INDEX "case_index_by_message" ON "case_index" USING btree ("message_id");