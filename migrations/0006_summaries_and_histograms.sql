CREATE TABLE `step_seconds` (
	`cell` text PRIMARY KEY NOT NULL,
	`summary` text NOT NULL,
	`seconds` integer NOT NULL,
	`steps` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `step_seconds_summary` ON `step_seconds` (`summary`,`seconds`,`steps`);--> statement-breakpoint
CREATE TABLE `step_summaries` (
	`cell` text PRIMARY KEY NOT NULL,
	`dimension` text NOT NULL,
	`key` text,
	`steps` integer NOT NULL,
	`completed` integer NOT NULL,
	`failed` integer NOT NULL,
	`cancelled` integer NOT NULL,
	`expired` integer NOT NULL,
	`in_progress` integer NOT NULL,
	`timed_steps` integer NOT NULL,
	`timed_seconds` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL,
	`p50_completion_seconds` integer,
	`p95_completion_seconds` integer
);
--> statement-breakpoint
CREATE INDEX `step_summaries_dimension` ON `step_summaries` (`dimension`,`key`);--> statement-breakpoint
DROP TABLE `step_totals`;--> statement-breakpoint
-- The rollups projection gained these tables: its checkpoint goes, so the store refolds it once when next opened for writing.
DELETE FROM `checkpoints` WHERE `name` = 'step_rollups';