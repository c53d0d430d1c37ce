CREATE TABLE "message_origins" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"institution" text NOT NULL,
	"certificate" text NOT NULL,
	"evidence" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_seals" ADD COLUMN "signature" jsonb;--> statement-breakpoint
ALTER TABLE "message_origins" ADD CONSTRAINT "message_origins_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;