CREATE TABLE "schedules" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "schedules_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"scenario_id" integer NOT NULL,
	"cron" text,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"interval_seconds" integer,
	"enabled" boolean DEFAULT true NOT NULL,
	"overlap" text DEFAULT 'skip' NOT NULL,
	"last_fired_at" timestamp with time zone,
	"skipped_ticks" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedules_one_timing" CHECK (("schedules"."cron" is null) <> ("schedules"."interval_seconds" is null))
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "schedule_id" integer;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_scenario_id_scenarios_id_fk" FOREIGN KEY ("scenario_id") REFERENCES "public"."scenarios"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "schedules_scenario_idx" ON "schedules" USING btree ("scenario_id");--> statement-breakpoint
CREATE INDEX "runs_schedule_created_idx" ON "runs" USING btree ("schedule_id","created_at") WHERE "runs"."schedule_id" is not null;