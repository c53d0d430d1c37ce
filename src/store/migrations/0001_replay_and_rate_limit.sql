ALTER TABLE "deliveries" ADD COLUMN "rate_limit" jsonb;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "schedule_offset" integer DEFAULT 0 NOT NULL;