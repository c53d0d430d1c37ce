ALTER TABLE "messages" ADD COLUMN "received_body" "bytea";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "received_media_type" text;