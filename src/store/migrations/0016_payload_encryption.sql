ALTER TABLE "messages" ADD COLUMN "payload_ciphertext" "bytea";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "payload_key" "bytea";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "payload_kek_id" text;--> statement-breakpoint
CREATE INDEX "messages_payload_kek_idx" ON "messages" USING btree ("payload_kek_id","id") WHERE payload_kek_id is not null;
