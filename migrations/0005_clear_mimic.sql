CREATE TABLE `step_rollup_tools` (
	`tool_set` text NOT NULL,
	`tool` text NOT NULL,
	PRIMARY KEY(`tool_set`, `tool`)
);
--> statement-breakpoint
CREATE TABLE `step_rollups` (
	`cell` text PRIMARY KEY NOT NULL,
	`hour` integer,
	`assistant_id` text,
	`model` text NOT NULL,
	`type` text,
	`tool_set` text NOT NULL,
	`status` text,
	`error_code` text,
	`seconds` integer,
	`steps` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `step_rollups_hour` ON `step_rollups` (`hour`);