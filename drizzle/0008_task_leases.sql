CREATE TABLE "task_leases" (
	"kind" text NOT NULL,
	"task_id" integer NOT NULL,
	"owner" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	CONSTRAINT "task_leases_kind_task_id_pk" PRIMARY KEY("kind","task_id")
);
