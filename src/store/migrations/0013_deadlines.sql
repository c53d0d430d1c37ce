CREATE TABLE "deadlines" (
	"id" uuid PRIMARY KEY NOT NULL,
	"agreement" text NOT NULL,
	"expectation" text NOT NULL,
	"kind" text NOT NULL,
	"correlation_key" text NOT NULL,
	"case_ref" text,
	"started_by" uuid NOT NULL,
	"classification" text NOT NULL,
	"notify" jsonb NOT NULL,
	"state" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"warn_at" timestamp with time zone,
	"fire_at" timestamp with time zone NOT NULL,
	"periods_met" integer DEFAULT 0 NOT NULL,
	"periods_missed" integer DEFAULT 0 NOT NULL,
	"closed_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deadlines" ADD CONSTRAINT "deadlines_started_by_messages_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deadlines_started_uq" ON "deadlines" USING btree ("started_by","agreement","expectation");--> statement-breakpoint
CREATE INDEX "deadlines_fire_idx" ON "deadlines" USING btree ("fire_at") WHERE state in ('open', 'warned');--> statement-breakpoint
CREATE INDEX "deadlines_key_idx" ON "deadlines" USING btree ("correlation_key","agreement","expectation") WHERE state in ('open', 'warned');--> statement-breakpoint
CREATE INDEX "deadlines_case_idx" ON "deadlines" USING btree ("case_ref");