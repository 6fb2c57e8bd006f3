CREATE TABLE "automations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "automations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_rollups" (
	"level" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"scenario_key" integer NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"passed" integer DEFAULT 0 NOT NULL,
	"jobs" bigint DEFAULT 0 NOT NULL,
	"failed_jobs" bigint DEFAULT 0 NOT NULL,
	"cost" double precision DEFAULT 0 NOT NULL,
	"histogram" text,
	CONSTRAINT "run_rollups_level_scenario_key_bucket_pk" PRIMARY KEY("level","scenario_key","bucket")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"scenario_id" integer,
	"automation_id" integer,
	"scenario_name" text,
	"automation_name" text,
	"source" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"spec" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"duration_s" double precision,
	"total_jobs" bigint,
	"failed_jobs" bigint,
	"success_rate" double precision,
	"throughput" double precision,
	"p50_ms" double precision,
	"p95_ms" double precision,
	"p99_ms" double precision,
	"cost" double precision,
	"thresholds_passed" boolean,
	"passed" boolean,
	"outcomes" jsonb,
	"summary" jsonb,
	"histogram" text,
	"timeline" jsonb,
	"response_sample" jsonb,
	"environment" jsonb,
	"rolled_up" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scenarios" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scenarios_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"automation_id" integer NOT NULL,
	"inputs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"load" jsonb NOT NULL,
	"thresholds" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cost" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"assertion" jsonb,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"on_interrupt" text DEFAULT 'fail' NOT NULL,
	"baseline_run_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"ciphertext" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scenarios" ADD CONSTRAINT "scenarios_automation_id_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "automations_name_key" ON "automations" USING btree ("name");--> statement-breakpoint
CREATE INDEX "runs_created_idx" ON "runs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "runs_scenario_created_idx" ON "runs" USING btree ("scenario_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "runs_finished_idx" ON "runs" USING btree ("finished_at");--> statement-breakpoint
CREATE INDEX "runs_unrolled_idx" ON "runs" USING btree ("id") WHERE not "runs"."rolled_up" and "runs"."status" in ('completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE UNIQUE INDEX "scenarios_name_key" ON "scenarios" USING btree ("name");--> statement-breakpoint
CREATE INDEX "scenarios_automation_idx" ON "scenarios" USING btree ("automation_id");