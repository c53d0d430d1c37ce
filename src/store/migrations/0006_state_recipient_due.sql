DROP INDEX "deliveries_state_recipient_idx";--> statement-breakpoint
CREATE INDEX "deliveries_state_recipient_idx" ON "deliveries" USING btree ("state","recipient","next_attempt_at");