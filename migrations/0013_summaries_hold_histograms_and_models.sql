DROP TABLE `step_costs`;--> statement-breakpoint
DROP TABLE `step_rollup_tools`;--> statement-breakpoint
DROP TABLE `step_rollups`;--> statement-breakpoint
DROP TABLE `step_seconds`;--> statement-breakpoint
ALTER TABLE `step_summaries` ADD `histogram` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `step_summaries` ADD `models` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- The summaries hold their histograms and sums by model; the finer rollup tables went (README "Rollups"): the rollups' checkpoint goes, so the store refolds them once when next opened for writing.
DELETE FROM `checkpoints` WHERE `name` = 'step_rollups';
