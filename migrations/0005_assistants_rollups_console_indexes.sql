CREATE TABLE `assistants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`model` text,
	`created_at` integer,
	`data` text
);
--> statement-breakpoint
CREATE TABLE `step_costs` (
	`cell` text PRIMARY KEY NOT NULL,
	`dimension` text NOT NULL,
	`key` text,
	`model` text NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `step_costs_dimension` ON `step_costs` (`dimension`,`key`,`model`,`prompt_tokens`,`completion_tokens`);--> statement-breakpoint
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
CREATE INDEX `step_rollups_hour` ON `step_rollups` (`hour`);--> statement-breakpoint
CREATE INDEX `step_rollups_assistant` ON `step_rollups` (`assistant_id`);--> statement-breakpoint
CREATE TABLE `step_totals` (
	`cell` text PRIMARY KEY NOT NULL,
	`dimension` text NOT NULL,
	`key` text,
	`status` text,
	`seconds` integer,
	`steps` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`total_tokens` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `step_totals_dimension` ON `step_totals` (`dimension`,`key`,`status`,`seconds`,`steps`,`prompt_tokens`,`completion_tokens`,`total_tokens`);--> statement-breakpoint
DROP INDEX `run_steps_status`;--> statement-breakpoint
CREATE INDEX `run_steps_status` ON `run_steps` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `runs_order` ON `runs` (`created_at`,`id`);