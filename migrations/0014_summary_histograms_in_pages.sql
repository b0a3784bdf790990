CREATE TABLE `step_summary_seconds` (
	`cell` text NOT NULL,
	`page` integer NOT NULL,
	`histogram` text NOT NULL,
	PRIMARY KEY(`cell`, `page`)
);
--> statement-breakpoint
ALTER TABLE `step_summaries` DROP COLUMN `histogram`;--> statement-breakpoint
-- The histograms move to pages (README "Rollups"): the rollups' checkpoint goes, so the store refolds them once when next opened for writing.
DELETE FROM `checkpoints` WHERE `name` = 'step_rollups';
