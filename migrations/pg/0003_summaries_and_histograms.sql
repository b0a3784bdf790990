CREATE TABLE "step_seconds" (
	"cell" text PRIMARY KEY NOT NULL,
	"summary" text NOT NULL,
	"seconds" bigint NOT NULL,
	"steps" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "step_summaries" (
	"cell" text PRIMARY KEY NOT NULL,
	"dimension" text NOT NULL,
	"key" text,
	"steps" bigint NOT NULL,
	"completed" bigint NOT NULL,
	"failed" bigint NOT NULL,
	"cancelled" bigint NOT NULL,
	"expired" bigint NOT NULL,
	"in_progress" bigint NOT NULL,
	"timed_steps" bigint NOT NULL,
	"timed_seconds" bigint NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL,
	"total_tokens" bigint NOT NULL,
	"p50_completion_seconds" bigint,
	"p95_completion_seconds" bigint
);
--> statement-breakpoint
DROP TABLE "step_totals" CASCADE;--> statement-breakpoint
CREATE INDEX "step_seconds_summary" ON "step_seconds" USING btree ("summary","seconds","steps");--> statement-breakpoint
CREATE INDEX "step_summaries_dimension" ON "step_summaries" USING btree ("dimension","key");--> statement-breakpoint
-- The rollups projection gained these tables: its checkpoint goes, so the store refolds it once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'step_rollups';