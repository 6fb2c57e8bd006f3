DROP INDEX "runs_status_idx";--> statement-breakpoint
CREATE INDEX "runs_pending_idx" ON "runs" USING btree ("id") WHERE "runs"."status" = 'pending';