CREATE TABLE "run_shards" (
	"run_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"shard" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"executor" text,
	"result" jsonb,
	"error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_shards_run_id_attempt_shard_pk" PRIMARY KEY("run_id","attempt","shard")
);
--> statement-breakpoint
ALTER TABLE "scenarios" ADD COLUMN "shards" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "scenarios" ADD COLUMN "allow_partial" boolean DEFAULT false NOT NULL;