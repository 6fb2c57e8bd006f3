-- Completed runs stored their JSON measurements (outcomes, summary, timeline, response sample)
-- as JSON strings holding the JSON; store the values themselves, as every other writer does.
-- (Only strings holding an object or array: those are what that writer made.)
UPDATE "runs" SET "outcomes" = ("outcomes" #>> '{}')::jsonb WHERE jsonb_typeof("outcomes") = 'string' AND left("outcomes" #>> '{}', 1) IN ('{', '[');--> statement-breakpoint
UPDATE "runs" SET "summary" = ("summary" #>> '{}')::jsonb WHERE jsonb_typeof("summary") = 'string' AND left("summary" #>> '{}', 1) IN ('{', '[');--> statement-breakpoint
UPDATE "runs" SET "timeline" = ("timeline" #>> '{}')::jsonb WHERE jsonb_typeof("timeline") = 'string' AND left("timeline" #>> '{}', 1) IN ('{', '[');--> statement-breakpoint
UPDATE "runs" SET "response_sample" = ("response_sample" #>> '{}')::jsonb WHERE jsonb_typeof("response_sample") = 'string' AND left("response_sample" #>> '{}', 1) IN ('{', '[');
