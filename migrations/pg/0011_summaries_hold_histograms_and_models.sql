DROP TABLE "step_costs" CASCADE;--> statement-breakpoint
DROP TABLE "step_rollup_tools" CASCADE;--> statement-breakpoint
DROP TABLE "step_rollups" CASCADE;--> statement-breakpoint
DROP TABLE "step_seconds" CASCADE;--> statement-breakpoint
ALTER TABLE "step_summaries" ADD COLUMN "histogram" text COLLATE "C" DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "step_summaries" ADD COLUMN "models" text COLLATE "C" DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- The summaries hold their histograms and sums by model; the finer rollup tables went (README "Rollups"): the rollups' checkpoint goes, so the store refolds them once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'step_rollups';
